#if canImport(Glibc)
import Glibc
#endif
import RTC

/// Receives one file on one channel (loop thread), per the rtc-transfer/1 protocol.
public final class IncomingFile {
    public let channel: DataChannel
    public let target: ReceiveTarget
    /// How many files the receiver took before this one (`-o FILE` takes only the first).
    public let index: Int
    /// Where the data goes with `.stdout` (called on the writer thread).
    let output: (@Sendable ([UInt8]) -> Void)?
    let progress: TransferProgress?
    let loop: EventLoop
    /// The names this session accepted, and stdout.
    public let claims: ReceiveClaims
    public let policy: ExistingFilePolicy
    /// Write on the loop thread instead of a writer thread (`FileSink.inline`).
    let writeInline: Bool
    /// Once, when the file is verified, refused or failed (loop thread).
    public var onFinish: ((TransferReport) -> Void)?
    public private(set) var isFinished = false

    private enum Phase { case header, data, finishing }
    private var phase = Phase.header
    private var name = ""
    private var size: Int?
    /// Writes (and hashes) off the loop.
    private var sink: FileSink?
    /// The locked .part while the data arrives (nil for stdout).
    private var part: PartFile?
    private var holdsStdout = false
    private var partPath = ""
    /// Set once a file (or stdout) is ours: where the data goes.
    private var finalPath = ""
    /// The name written when --rename chose another than the announced one.
    private var renamedTo: String?
    /// A message arrived after the trailer, while the writer was finishing.
    private var lateMessage: String?
    private var received = 0
    private var started = 0.0

    /// Takes over `channel`'s callbacks; the file starts with the sender's header.
    public init(channel: DataChannel, target: ReceiveTarget, index: Int, output: (@Sendable ([UInt8]) -> Void)?,
                progress: TransferProgress?, loop: EventLoop, claims: ReceiveClaims, policy: ExistingFilePolicy,
                writeInline: Bool = FileSink.inlineByDefault) {
        self.output = output
        self.writeInline = writeInline
        self.loop = loop
        self.claims = claims
        self.policy = policy
        self.channel = channel
        self.target = target
        self.index = index
        self.progress = progress
        channel.onMessage = { [self] m in receive(m) }
        channel.onClose = { [self] in
            if !isFinished { fail("channel closed before the end of the file", tellPeer: false) }
        }
    }

    private func receive(_ m: DataChannelMessage) {
        guard !isFinished else { return }
        switch (phase, m) {
        case let (.header, .text(t)):
            guard let o = TransferProtocol.decode(t), o["type"]?.stringValue == "header", let n = o["name"]?.stringValue else {
                fail("expected a header, got \(t.prefix(60))", tellPeer: true)
                return
            }
            name = n
            if let s = o["size"]?.intValue, s >= 0 { size = s }
            if let problem = TransferProtocol.nameProblem(n)?.description {
                fail("refused name \(n.debugDescription): \(problem)", tellPeer: true)
                return
            }
            // One writer per name: a second channel announcing it could write into the file
            // after the first one's verdict.
            guard claims.claim(n) else {
                fail("refused a second file named \(n.debugDescription): the name was already announced in this session",
                     tellPeer: true)
                return
            }
            guard openSink() else { return }
            started = TransferClock.now()
            phase = .data
        case let (.data, .binary(b)):
            if let problem = sink?.write(b) {
                fail("\(partPath.isEmpty ? "stdout" : partPath): \(problem)", tellPeer: true)
                return
            }
            received += b.count
            if let size, received > size {
                fail("more bytes than announced (\(size))", tellPeer: true)
                return
            }
            progress?.update(name: name, bytes: received, total: size, started: started, force: false)
        case let (.data, .text(t)):
            guard let o = TransferProtocol.decode(t), o["type"]?.stringValue == "end" else {
                fail("unexpected message \(t.prefix(60))", tellPeer: true)
                return
            }
            finishFile(claimedBytes: o["bytes"]?.intValue, claimedHash: o["sha256"]?.stringValue)
        case (.header, .binary):
            fail("data before the header", tellPeer: true)
        case (.finishing, _):
            // The writer is finishing (fsync): fail the file when it is done, without waiting here.
            if lateMessage == nil { lateMessage = "data after the end" }
        }
    }

    /// Claims where the data goes (refusing the file, before any byte, when it cannot be had).
    private func openSink() -> Bool {
        let path: String
        switch target {
        case .stdout:
            guard claims.stdout.take() else {
                fail("stdout carries another file now; one file at a time", tellPeer: true)
                return false
            }
            holdsStdout = true
            finalPath = "-"
            sink = FileSink(fd: -1, output: output, inline: writeInline)
            return true
        case let .directory(dir):
            path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        case let .file(file):
            guard index == 0 else {
                fail("-o names a single file; refusing a second one", tellPeer: true)
                return false
            }
            path = file
        }
        do {
            let p = try PartFile.create(for: path, policy: policy)
            part = p
            partPath = p.partPath
            finalPath = p.finalPath
            sink = FileSink(fd: p.writeFD, inline: writeInline)
            return true
        } catch let r as PartFile.Refusal {
            fail(r.message, tellPeer: true)
        } catch {
            fail("cannot create \(path).part: \(error)", tellPeer: true)
        }
        return false
    }

    /// The sender's trailer: once the writer has written and synced everything (off the
    /// loop), check and rename on the loop.
    private func finishFile(claimedBytes: Int?, claimedHash: String?) {
        guard let sink else { return }
        phase = .finishing
        // The writer thread calls back; only the loop may touch this file's state.
        let me = LoopBound(self, loop: loop)
        sink.finish { writeError, digest in
            me.loop.execute {
                me.value.completeFile(claimedBytes: claimedBytes, claimedHash: claimedHash, writeError: writeError,
                                      digest: digest)
            }
        }
    }

    private func completeFile(claimedBytes: Int?, claimedHash: String?, writeError: String?, digest: String) {
        guard !isFinished else { return }
        // The sink has closed the file: nothing can be written to it from here on.
        sink = nil
        var error: String?
        if let lateMessage { error = lateMessage }
        else if let writeError { error = "\(partPath): \(writeError)" }
        else if claimedBytes != received { error = "byte count mismatch: got \(received), sender says \(claimedBytes ?? -1)" }
        else if let size, size != received { error = "size mismatch: announced \(size), got \(received)" }
        else if claimedHash != digest { error = "SHA-256 mismatch" }
        if let part {
            if error == nil {
                error = part.commit()
                if error == nil && part.finalPath != part.requestedPath {
                    finalPath = part.finalPath
                    renamedTo = String(finalPath.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
                }
            }
            part.release()
            self.part = nil
        }
        releaseStdout()
        progress?.update(name: name, bytes: received, total: size, started: started, force: true)
        progress?.done()
        var verdict: [String: JSONValue] = ["type": "verdict", "ok": .bool(error == nil), "bytes": .int(received),
                                            "sha256": .string(digest)]
        if let error { verdict["error"] = .string(error) }
        try? channel.send(text: TransferProtocol.encode(verdict))
        report(ok: error == nil, digest: digest, error: error)
    }

    private func report(ok: Bool, digest: String, error: String?) {
        isFinished = true
        let seconds = started > 0 ? TransferClock.now() - started : 0
        onFinish?(TransferReport(name: renamedTo ?? name, path: finalPath.isEmpty ? nil : finalPath, bytes: received,
                                 seconds: seconds, sha256: digest, verified: ok, error: error,
                                 announced: renamedTo == nil ? nil : name))
    }

    /// Fails this file: the .part stays (unlocked), the peer hears why (if asked). The writer
    /// has stopped before the verdict goes out.
    private func fail(_ error: String, tellPeer: Bool) {
        guard !isFinished else { return }
        sink?.abort()
        sink = nil
        part?.release()
        part = nil
        releaseStdout()
        progress?.done()
        if tellPeer {
            try? channel.send(text: TransferProtocol.encode(["type": "verdict", "ok": false, "bytes": .int(received),
                                                             "sha256": "", "error": .string(error)]))
        }
        report(ok: false, digest: "", error: error)
    }

    private func releaseStdout() {
        if holdsStdout { claims.stdout.release() }
        holdsStdout = false
    }

    /// The connection ended mid-file.
    public func abandon() {
        fail("connection ended before the end of the file", tellPeer: false)
    }
}
