#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTCTestSupport
import RTC
import RTCTransfer

/// `.part` creation, locking and the final move, on a real directory.
@Suite struct PartFileTests {
    @Test func createsExclusivelyAndCommitsWithoutReplacing() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let part = try PartFile.create(for: dir.file("a.bin"), policy: .refuse)
        #expect(part.partPath == dir.file("a.bin.part"))
        #expect(dir.exists("a.bin.part") && !dir.exists("a.bin"))
        #expect(writeBytes(part.writeFD, [1, 2, 3]))
        close(part.writeFD)
        #expect(part.commit() == nil)
        #expect(dir.read("a.bin") == [1, 2, 3])
        #expect(dir.entries() == ["a.bin"])
    }

    @Test func existingFileIsRefusedUntouchedByDefault() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.write("a.bin", [9])
        #expect(throws: PartFile.Refusal.self) { try PartFile.create(for: dir.file("a.bin"), policy: .refuse) }
        do {
            _ = try PartFile.create(for: dir.file("a.bin"), policy: .refuse)
        } catch let r as PartFile.Refusal {
            #expect(r.taken && r.message.contains("exists"))
        }
        #expect(dir.entries() == ["a.bin"])
        #expect(dir.read("a.bin") == [9])
    }

    @Test func overwriteReplacesOnCommit() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.write("a.bin", [9])
        let part = try PartFile.create(for: dir.file("a.bin"), policy: .overwrite)
        #expect(dir.read("a.bin") == [9], "replaced only on commit")
        _ = writeBytes(part.writeFD, [7, 7])
        close(part.writeFD)
        #expect(part.commit() == nil)
        #expect(dir.read("a.bin") == [7, 7])
    }

    @Test func renameNumbersBeforeTheExtension() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.write("a.tar.gz", [1])
        dir.write("a.tar (1).gz", [2])
        let part = try PartFile.create(for: dir.file("a.tar.gz"), policy: .rename)
        close(part.writeFD)
        #expect(part.commit() == nil)
        #expect(part.finalPath == dir.file("a.tar (2).gz"))
        #expect(PartFile.numbered("/d/.profile", 3) == "/d/.profile (3)")
        #expect(PartFile.numbered("/d/noext", 1) == "/d/noext (1)")
    }

    /// Refuse: a file that appears during the transfer is never replaced; the data stays in the .part.
    @Test func fileAppearingMeanwhileIsNotReplaced() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let part = try PartFile.create(for: dir.file("a.bin"), policy: .refuse)
        _ = writeBytes(part.writeFD, [1])
        close(part.writeFD)
        dir.write("a.bin", [2])
        let error = try #require(part.commit())
        #expect(error.contains("appeared"))
        #expect(dir.read("a.bin") == [2])
        #expect(dir.read("a.bin.part") == [1])
    }

    /// One writer per name across transfers: a locked .part refuses the second; a stale one is replaced.
    @Test func lockedPartRefusesAndStalePartIsReplaced() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let first = try PartFile.create(for: dir.file("a.bin"), policy: .refuse)
        do {
            _ = try PartFile.create(for: dir.file("a.bin"), policy: .refuse)
            Issue.record("a locked .part was taken over")
        } catch let r as PartFile.Refusal {
            #expect(r.message.contains("another transfer"))
        }
        _ = writeBytes(first.writeFD, [1, 1, 1])
        close(first.writeFD)
        first.release()  // as a failed transfer leaves it: on disk, unlocked
        let second = try PartFile.create(for: dir.file("a.bin"), policy: .refuse)
        close(second.writeFD)
        #expect(dir.read("a.bin.part") == [], "the stale .part is created afresh")
        #expect(second.commit() == nil)
    }

    @Test func symlinkedPartIsNeverFollowed() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.write("victim", [5])
        #expect(symlink(dir.file("victim"), dir.file("a.bin.part")) == 0)
        #expect(throws: PartFile.Refusal.self) { try PartFile.create(for: dir.file("a.bin"), policy: .refuse) }
        #expect(dir.read("victim") == [5])
    }
}

/// The writer behind a received file: everything queued is written and hashed, then closed.
@Suite struct FileSinkTests {
    @Test(arguments: [false, true])
    func writesHashesAndClosesBeforeReporting(inline: Bool) throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        let fd = open(dir.file("f"), O_WRONLY | O_CREAT | O_EXCL, 0o644)
        let data = pattern(300_000)
        let sink = FileSink(fd: fd, limit: 64 << 10, inline: inline)
        for start in stride(from: 0, to: data.count, by: 50_000) {
            #expect(sink.write(Array(data[start..<min(data.count, start + 50_000)])) == nil)
        }
        let done = Condition()
        let result = LockedValue<(String?, String)?>(nil)
        sink.finish { error, digest in done.withLock { result.set((error, digest)) }; done.broadcast() }
        done.lock()
        let deadline = Deadline.after(10)
        while result.value == nil && done.wait(until: deadline) {}
        done.unlock()
        let (error, digest) = try #require(result.value)
        #expect(error == nil)
        #expect(digest == sha256Hex(data))
        #expect(dir.read("f") == data)
        // Tests run in parallel, so the number may already name another test's file:
        // closed means it no longer names this one.
        #expect(!PartFile.sameFile(fd, dir.file("f")), "the sink closed the file before reporting")
    }

    /// Back-pressure: a slow consumer holds `write` back, so at most `limit` bytes plus the
    /// batch being written wait in memory, whatever the amount written.
    @Test func aSlowConsumerBoundsWhatWaits() throws {
        let lock = Condition()
        let consumed = LockedValue(0)
        let chunk = 4096, limit = 16 << 10
        let sink = FileSink(fd: -1, output: { b in
            // A slow consumer: about a millisecond per chunk.
            lock.lock()
            _ = lock.wait(until: .after(0.001))
            consumed.withLock { $0 += b.count }
            lock.unlock()
        }, limit: limit)
        var queued = 0
        var worst = 0
        for _ in 0..<100 {
            #expect(sink.write([UInt8](repeating: 7, count: chunk)) == nil)
            queued += chunk
            worst = max(worst, queued - consumed.value)
        }
        #expect(worst <= limit + chunk, "\(worst) bytes waited with a limit of \(limit)")
        let done = LockedValue(false)
        sink.finish { _, _ in lock.withLock { done.set(true) }; lock.broadcast() }
        lock.lock()
        let deadline = Deadline.after(30)
        while !done.value && lock.wait(until: deadline) {}
        lock.unlock()
        #expect(consumed.value == queued)
    }

    @Test func stdoutSinkHandsTheDataOn() throws {
        let got = Condition()
        let bytes = LockedValue<[UInt8]>([])
        let digest = LockedValue<String?>(nil)
        let sink = FileSink(fd: -1, output: { b in bytes.withLock { $0 += b } })
        _ = sink.write([1, 2])
        _ = sink.write([3])
        sink.finish { _, d in got.withLock { digest.set(d) }; got.broadcast() }
        got.lock()
        let deadline = Deadline.after(10)
        while digest.value == nil && got.wait(until: deadline) {}
        got.unlock()
        #expect(bytes.value == [1, 2, 3])
        #expect(digest.value == sha256Hex([1, 2, 3]))
    }
}

/// One writer per name per session; stdout carries one file at a time across sessions.
@Suite struct ReceiveClaimsTests {
    @Test func eachNameOncePerSessionAndStdoutOnceAtATime() {
        let stdout = ReceiveClaims.Stdout()
        let a = ReceiveClaims(stdout: stdout), b = ReceiveClaims(stdout: stdout)
        #expect(a.claim("x") && !a.claim("x"))
        #expect(b.claim("x"), "another session has its own names (the .part lock guards the disk)")
        #expect(a.stdout.take() && !b.stdout.take())
        a.stdout.release()
        #expect(b.stdout.take())
    }
}
