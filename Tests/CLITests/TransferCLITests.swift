import Foundation
import RTCTestSupport
import Testing

/// `rtc send` / `rtc listen` between two real processes on loopback.
@Suite(.serialized) struct TransferCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    private func summaries(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            guard let o = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any],
                  o["type"] as? String == "file" else { return nil }
            return o
        }
    }

    @Test func hundredMiBOverStdioSignalingIsByteExact() throws {
        let dir = try TestData.tempDir("t100")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("data.bin")
        try TestData.write(src, size: 100 << 20, seed: 1)
        let outDir = dir.appendingPathComponent("out")
        let (s, l) = try PeerPair.stdio(["send"] + ice + [src.path], ["listen"] + ice + ["-o", outDir.path + "/"])
        #expect(s.status == 0, "send: \(s.stderr)")
        #expect(l.status == 0, "listen: \(l.stderr)")
        #expect(TestData.sameFiles(src, outDir.appendingPathComponent("data.bin")))
        let sent = summaries(s.stdout), got = summaries(l.stdout)
        #expect(sent.count == 1 && got.count == 1)
        #expect(got.first?["verified"] as? Bool == true)
        #expect(got.first?["bytes"] as? Int == 100 << 20)
        #expect(sent.first?["sha256"] as? String == got.first?["sha256"] as? String)
        // Against an independent digest too: equal-but-wrong hashes on both ends must not pass.
        #expect(got.first?["sha256"] as? String == TestData.sha256sum(src))
        if let rate = got.first?["mb_per_s"] { print("100 MiB over loopback: \(rate) MB/s") }
        #expect(!FileManager.default.fileExists(atPath: outDir.appendingPathComponent("data.bin.part").path))
    }

    @Test func severalFilesInOneRun() throws {
        let dir = try TestData.tempDir("multi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = ["a.bin", "empty", "c d.txt"]
        let sizes = [3 << 20, 0, 70_001]
        for (n, size) in zip(names, sizes) { try TestData.write(dir.appendingPathComponent(n), size: size, seed: UInt64(size)) }
        let outDir = dir.appendingPathComponent("out")
        let (s, l) = try PeerPair.stdio(["send"] + ice + names.map { dir.appendingPathComponent($0).path },
                                        ["listen"] + ice + ["-o", outDir.path + "/"])
        #expect(s.status == 0, "send: \(s.stderr)")
        #expect(l.status == 0, "listen: \(l.stderr)")
        for n in names {
            #expect(TestData.sameFiles(dir.appendingPathComponent(n), outDir.appendingPathComponent(n)), "\(n)")
        }
        #expect(summaries(l.stdout).count == 3)
    }

    @Test func maliciousNameIsRefused() throws {
        let dir = try TestData.tempDir("evil")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("x")
        try TestData.write(src, size: 1000, seed: 3)
        let outDir = dir.appendingPathComponent("a/b/out")
        let (s, l) = try PeerPair.stdio(["send"] + ice + ["--as", "../../x", src.path],
                                        ["listen"] + ice + ["-o", outDir.path + "/"], timeout: 30)
        #expect(s.status != 0)
        #expect(l.status != 0)
        #expect(l.stderr.contains("refused name"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/x").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/x.part").path))
    }

    @Test func garbageSignalingExits65() throws {
        let r = try CLI.run(["listen", "--ice-host", "127.0.0.1"], stdin: "this is not json\n", timeout: 20)
        #expect(r.status == 65, "\(r.stderr)")
        let s = try CLI.run(["send", "--ice-host", "127.0.0.1", "/etc/hostname"], stdin: "{\"type\":\"nonsense\"}\n",
                            timeout: 20)
        #expect(s.status == 65, "\(s.stderr)")
    }
}

/// Signaling over TCP (aiortc's TcpSocketSignaling format), between two rtc processes and with aiortc.
@Suite(.serialized) struct TransferTCPCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    /// RTC_PYTHON (Scripts/test sets it to the venv Scripts/interop/setup-venv makes), else that
    /// venv if it exists, else /tmp/venv.
    static var python: String {
        if let p = ProcessInfo.processInfo.environment["RTC_PYTHON"] { return p }
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir = dir.deletingLastPathComponent() }
        let venv = dir.appendingPathComponent(".build/interop-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/tmp/venv/bin/python"
    }

    /// True when `python` can import `module` (the interop peers' dependencies).
    static func pythonCanImport(_ module: String) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", "import \(module)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static var hasAiortc: Bool { pythonCanImport("aiortc") }

    static var script: String {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("Scripts/interop/aiortc_transfer.py").path
    }

    /// 100 MiB byte-exact with signaling over TCP (aiortc's line format) and over WebSocket.
    @Test(arguments: [("tcp-listen", "tcp", ""), ("ws-listen", "ws", "/ws")])
    func hundredMiBOverSignaling(_ transport: (listen: String, connect: String, path: String)) throws {
        let dir = try TestData.tempDir(transport.connect + "100")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("data.bin")
        try TestData.write(src, size: 100 << 20, seed: transport.connect == "tcp" ? 7 : 21)
        let (listen, port) = try RunningRTC.listening(["listen"] + ice + ["-o", dir.appendingPathComponent("out").path + "/",
                                                      "--signal", "\(transport.listen)://127.0.0.1:0", "--count", "1"])
        let send = try RunningRTC(["send"] + ice + ["--signal", "\(transport.connect)://127.0.0.1:\(port)\(transport.path)",
                                                   src.path])
        let s = send.finish(timeout: 120)
        let l = listen.finish(timeout: 30)
        #expect(s.status == 0, "\(s.stderr)")
        #expect(l.status == 0, "\(l.stderr)")
        #expect(TestData.sameFiles(src, dir.appendingPathComponent("out/data.bin")))
    }

    /// Both peers emulate a 50 ms round trip with 1% loss each way (`--delay`, `--loss`): the
    /// file still arrives byte-exact (retransmissions, buffers grown for the path). Loss caps
    /// a Reno-style window near MSS/RTT × 1.22/√p ≈ 0.3 MB/s here, so the file is small.
    @Test func overALongLossyPath() throws {
        let dir = try TestData.tempDir("longpath")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("data.bin")
        try TestData.write(src, size: 5 << 20, seed: 33)
        let impaired = ["--delay", "25", "--loss", "1"]
        let (listen, port) = try RunningRTC.listening(["listen"] + ice + impaired
                                                      + ["-o", dir.appendingPathComponent("out").path + "/",
                                                         "--signal", "tcp-listen://127.0.0.1:0", "--count", "1"])
        let send = try RunningRTC(["send"] + ice + impaired + ["--signal", "tcp://127.0.0.1:\(port)", src.path])
        let s = send.finish(timeout: 120)
        let l = listen.finish(timeout: 30)
        #expect(s.status == 0, "\(s.stderr)")
        #expect(l.status == 0, "\(l.stderr)")
        #expect(TestData.sameFiles(src, dir.appendingPathComponent("out/data.bin")))
    }

    @Test func stdinToStdoutOverTCPSignaling() throws {
        let dir = try TestData.tempDir("stream")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("stream.bin")
        try TestData.write(src, size: 20 << 20, seed: 9)
        let sink = dir.appendingPathComponent("sink.bin")
        let (listen, port) = try RunningRTC.listening(["listen"] + ice + ["-o", "-", "--signal", "tcp-listen://127.0.0.1:0",
                                                                         "--count", "1"], stdoutFile: sink)
        let send = try RunningRTC(["send"] + ice + ["--signal", "tcp://127.0.0.1:\(port)", "-"],
                                  stdinData: try Data(contentsOf: src))
        let s = send.finish(timeout: 60)
        let l = listen.finish(timeout: 30)
        #expect(s.status == 0, "\(s.stderr)")
        #expect(l.status == 0, "\(l.stderr)")
        #expect(TestData.sameFiles(src, sink))
    }

    /// A peer that sends an offer reached the offer/answer exchange: its session counts, and a
    /// bad offer (then garbage) ends it with 65, never a hang. (Garbage before any offer is
    /// dropped without counting: SignalServerHardeningCLITests.)
    @Test func badOfferFromTCPPeerExits65() throws {
        let (listener, port) = try RunningRTC.listening(["listen"] + ice + ["--signal", "tcp-listen://127.0.0.1:0",
                                                                           "--count", "1", "--connect-timeout", "10"])
        let fd = RawTCP.connect(port: port)
        #expect(fd >= 0)
        RawTCP.write(fd, "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}\n\u{01}garbage{{{\n")
        let r = listener.finish(timeout: 20)
        if fd >= 0 { close(fd) }
        #expect(r.status == 65, "\(r.stderr)")
    }

    @Test(.enabled(if: RequiredPeer.pythonPeersWanted, "RTC_SKIP_INTEROP=1")) func rtcSendToAiortcServer() throws {
        try #require(TransferTCPCLITests.hasAiortc, "aiortc is not importable from \(TransferTCPCLITests.python) (Scripts/interop/setup-venv)")
        let dir = try TestData.tempDir("ai-recv")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("m.bin")
        try TestData.write(src, size: 3_000_000, seed: 11)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // The aiortc server listens once its offer is ready, and says where.
        let (py, port) = try RunningRTC.listening([Self.script, "receive", "127.0.0.1", "0", out.path],
                                                  executable: URL(fileURLWithPath: Self.python), within: 30)
        let r = try CLI.run(["send", "--answer"] + ice + ["--signal", "tcp://127.0.0.1:\(port)", "--connect-timeout",
                             "20", src.path], timeout: 60)
        let p = py.finish(timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(p.status == 0, "\(p.stderr)")
        #expect(p.stdout.contains("\"verified\": true"))
        #expect(TestData.sameFiles(src, out.appendingPathComponent("m.bin")))
    }

    @Test(.enabled(if: RequiredPeer.pythonPeersWanted, "RTC_SKIP_INTEROP=1")) func aiortcClientToRtcListen() throws {
        try #require(TransferTCPCLITests.hasAiortc, "aiortc is not importable from \(TransferTCPCLITests.python) (Scripts/interop/setup-venv)")
        let dir = try TestData.tempDir("ai-send")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("m.bin")
        try TestData.write(src, size: 3_000_000, seed: 12)
        let (listen, port) = try RunningRTC.listening(["listen", "--offer"] + ice
                                                      + ["-o", dir.appendingPathComponent("out").path + "/",
                                                         "--signal", "tcp-listen://127.0.0.1:0", "--count", "1"])
        let py = Process()
        py.executableURL = URL(fileURLWithPath: Self.python)
        py.arguments = [Self.script, "send", "127.0.0.1", "\(port)", src.path]
        py.standardOutput = FileHandle.nullDevice
        try py.run()
        let deadline = Date().addingTimeInterval(60)
        while py.isRunning && Date() < deadline { usleep(20_000) }
        if py.isRunning { py.terminate() }
        py.waitUntilExit()
        let l = listen.finish(timeout: 30)
        #expect(py.terminationStatus == 0)
        #expect(l.status == 0, "\(l.stderr)")
        #expect(TestData.sameFiles(src, dir.appendingPathComponent("out/m.bin")))
    }
}

@Suite(.serialized) struct TransferFaultCLITests {
    @Test func receiverKilledMidTransferLeavesOnlyPart() throws {
        let dir = try TestData.tempDir("kill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("big.bin")
        try TestData.write(src, size: 300 << 20, seed: 5)
        let out = dir.appendingPathComponent("out")
        let (listen, port) = try RunningRTC.listening(["listen", "--ice-host", "127.0.0.1", "--quiet", "-o", out.path + "/",
                                                      "--signal", "tcp-listen://127.0.0.1:0", "--count", "1"])
        let send = try RunningRTC(["send", "--ice-host", "127.0.0.1", "--quiet", "--consent-timeout", "3",
                                   "--signal", "tcp://127.0.0.1:\(port)", src.path])
        // Kill the receiver once some data has landed.
        let part = out.appendingPathComponent("big.bin.part")
        for _ in 0..<500 {
            let size = (try? FileManager.default.attributesOfItem(atPath: part.path)[.size] as? Int) ?? 0
            if size > 8 << 20 { break }
            usleep(10_000)
        }
        kill(listen.process.processIdentifier, SIGKILL)
        _ = listen.finish(timeout: 5)
        let s = send.finish(timeout: 30)
        #expect(s.status != 0)
        #expect(s.stdout.contains("\"verified\":false"))
        #expect(FileManager.default.fileExists(atPath: part.path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("big.bin").path))
    }
}

/// WebSocket signaling between two rtc processes, and headless Chromium on the built-in page.
@Suite(.serialized) struct TransferWebSocketCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    static var hasChromium: Bool {
        // The paths Scripts/interop/chromium.py starts, with the same overrides.
        let env = ProcessInfo.processInfo.environment
        guard FileManager.default.fileExists(atPath: env["RTC_CHROMIUM"] ?? "/usr/lib/chromium/chromium"),
              FileManager.default.fileExists(atPath: env["RTC_CHROMEDRIVER"] ?? "/usr/bin/chromedriver") else { return false }
        return TransferTCPCLITests.pythonCanImport("selenium")
    }

    static var script: String {
        TransferTCPCLITests.script.replacingOccurrences(of: "aiortc_transfer.py", with: "chromium_transfer.py")
    }


    private func runChromium(_ args: [String]) throws -> (Int32, String) {
        let py = Process()
        py.executableURL = URL(fileURLWithPath: TransferTCPCLITests.python)
        py.arguments = [Self.script] + args
        let out = Pipe()
        py.standardOutput = out
        try py.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        py.waitUntilExit()
        return (py.terminationStatus, text)
    }

    @Test(.enabled(if: RequiredPeer.pythonPeersWanted, "RTC_SKIP_INTEROP=1")) func chromiumPageSendsToListen() throws {
        try #require(TransferWebSocketCLITests.hasChromium, "Chromium, chromedriver or selenium is missing (Scripts/install-deps, Scripts/interop/setup-venv)")
        let dir = try TestData.tempDir("chr-up")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("page.bin")
        try TestData.write(src, size: 3_000_000, seed: 31)
        let (listen, port) = try RunningRTC.listening(["listen"] + ice + ["-o", dir.appendingPathComponent("out").path + "/",
                                                      "--signal", "ws-listen://127.0.0.1:0", "--count", "1"])
        let (status, text) = try runChromium(["upload", "http://127.0.0.1:\(port)/", src.path])
        let l = listen.finish(timeout: 30)
        #expect(status == 0, "\(text)")
        #expect(l.status == 0, "\(l.stderr)")
        #expect(TestData.sameFiles(src, dir.appendingPathComponent("out/page.bin")))
    }

    @Test(.enabled(if: RequiredPeer.pythonPeersWanted, "RTC_SKIP_INTEROP=1")) func rtcSendToChromiumPage() throws {
        try #require(TransferWebSocketCLITests.hasChromium, "Chromium, chromedriver or selenium is missing (Scripts/install-deps, Scripts/interop/setup-venv)")
        let dir = try TestData.tempDir("chr-down")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("gift.bin")
        try TestData.write(src, size: 3_000_000, seed: 32)
        let (send, port) = try RunningRTC.listening(["send"] + ice + ["--signal", "ws-listen://127.0.0.1:0", "--count", "1",
                                                                     src.path])
        let (status, text) = try runChromium(["download", "http://127.0.0.1:\(port)/"])
        let s = send.finish(timeout: 30)
        #expect(status == 0, "\(text)")
        #expect(s.status == 0, "\(s.stderr)")
        // The page hashed what it received itself; it must match the file's own digest.
        let sum = Process()
        sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sum.arguments = [src.path]
        let pipe = Pipe()
        sum.standardOutput = pipe
        try sum.run()
        let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        sum.waitUntilExit()
        #expect(text.contains(String(digest)))
        #expect(text.contains("\"verified\": true"))
    }
}

extension TransferWebSocketCLITests {
    /// The page holds a received file in memory, so it refuses one above its limit (?max=N
    /// here, 1 GiB by default) with a failed verdict: rtc send exits 1 and says why.
    @Test(.enabled(if: RequiredPeer.pythonPeersWanted, "RTC_SKIP_INTEROP=1")) func pageRefusesAFileAboveItsMemoryCap() throws {
        try #require(TransferWebSocketCLITests.hasChromium, "Chromium, chromedriver or selenium is missing (Scripts/install-deps, Scripts/interop/setup-venv)")
        let dir = try TestData.tempDir("chr-cap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("big.bin")
        try TestData.write(src, size: 3_000_000, seed: 33)
        let (send, port) = try RunningRTC.listening(["send", "--ice-host", "127.0.0.1", "--quiet",
                                                    "--signal", "ws-listen://127.0.0.1:0", "--count", "1", src.path])
        let py = Process()
        py.executableURL = URL(fileURLWithPath: TransferTCPCLITests.python)
        py.arguments = [Self.script, "download", "http://127.0.0.1:\(port)/?max=1000000"]
        let out = Pipe()
        py.standardOutput = out
        py.standardError = FileHandle.nullDevice
        try py.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        py.waitUntilExit()
        let s = send.finish(timeout: 30)
        #expect(py.terminationStatus != 0, "\(text)")
        #expect(text.contains("too large for the page"), "\(text)")
        #expect(s.status == 1, "\(s.stderr)")
        #expect(s.stderr.contains("too large for the page"), "\(s.stderr)")
    }
}

/// 1 GiB (sparse) over every transport, with the sender's RSS watched: it must not grow with the file.
@Suite(.serialized) struct TransferGiBCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    private func peakRSSKiB(_ pid: Int32) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }

    @Test(arguments: ["stdio", "tcp", "ws"]) func oneGiBSparse(transport: String) throws {
        let dir = try TestData.tempDir("gib-\(transport)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("sparse.img")
        _ = FileManager.default.createFile(atPath: src.path, contents: nil)
        let h = try FileHandle(forWritingTo: src)
        try h.truncate(atOffset: 1 << 30)
        try h.seek(toOffset: (1 << 30) - 5)
        try h.write(contentsOf: Data("tail!".utf8))
        try h.close()
        let out = dir.appendingPathComponent("out").path + "/"
        var peak = 0
        if transport == "stdio" {
            let pa = try RunningRTC(["send"] + ice + [src.path])
            let pb = try RunningRTC(["listen"] + ice + ["-o", out])
            if let l = pa.readLine() { pb.writeLine(l) }
            if let l = pb.readLine() { pa.writeLine(l) }
            while pa.process.isRunning { peak = max(peak, peakRSSKiB(pa.process.processIdentifier)); usleep(100_000) }
            let s = pa.finish(timeout: 5), l = pb.finish(timeout: 60)
            #expect(s.status == 0, "\(s.stderr)")
            #expect(l.status == 0, "\(l.stderr)")
        } else {
            let (listen, port) = try RunningRTC.listening(["listen"] + ice + ["-o", out, "--signal", "\(transport)-listen://127.0.0.1:0",
                                                                             "--count", "1"])
            let sendURL = transport == "tcp" ? "tcp://127.0.0.1:\(port)" : "ws://127.0.0.1:\(port)/ws"
            let send = try RunningRTC(["send"] + ice + ["--signal", sendURL, src.path])
            let deadline = Date().addingTimeInterval(180)
            while send.process.isRunning && Date() < deadline {
                peak = max(peak, peakRSSKiB(send.process.processIdentifier))
                usleep(100_000)
            }
            let s = send.finish(timeout: 5), l = listen.finish(timeout: 60)
            #expect(s.status == 0, "\(s.stderr)")
            #expect(l.status == 0, "\(l.stderr)")
        }
        #expect(TestData.sameFiles(src, dir.appendingPathComponent("out/sparse.img")))
        print("1 GiB over \(transport): sender peak RSS \(peak / 1024) MiB")
        #expect(peak < 256 * 1024, "sender RSS grew to \(peak / 1024) MiB")
    }
}

@Suite struct OfferAnswerSignalCLITests {
    @Test(arguments: ["tcp", "ws"]) func chatOverSignalURL(transport: String) throws {
        let (offer, port) = try RunningRTC.listening(["offer", "--ice-host", "127.0.0.1",
                                                     "--signal", "\(transport)-listen://127.0.0.1:0"],
                                                    stdinData: Data("hello over \(transport)\n".utf8))
        let connectURL = transport == "tcp" ? "tcp://127.0.0.1:\(port)" : "ws://127.0.0.1:\(port)/ws"
        let answer = try RunningRTC(["answer", "--ice-host", "127.0.0.1", "--signal", connectURL])
        let a = answer.finish(timeout: 20)
        let o = offer.finish(timeout: 10)
        #expect(a.status == 0, "\(a.stderr)")
        #expect(o.status == 0, "\(o.stderr)")
        // With signaling off stdio, stdout is data only: exactly the message.
        #expect(a.stdout == "hello over \(transport)\n")
    }
}

@Suite struct TransferServerCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    @Test(arguments: ["tcp", "ws"]) func severalSendersAtOnce(transport: String) throws {
        let dir = try TestData.tempDir("many-\(transport)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (listen, port) = try RunningRTC.listening(["listen"] + ice + ["-o", dir.appendingPathComponent("out").path + "/",
                                                      "--signal", "\(transport)-listen://127.0.0.1:0", "--count", "3"])
        let sendURL = transport == "tcp" ? "tcp://127.0.0.1:\(port)" : "ws://127.0.0.1:\(port)/ws"
        var senders: [RunningRTC] = []
        for i in 0..<3 {
            let f = dir.appendingPathComponent("f\(i).bin")
            try TestData.write(f, size: (i + 1) * 5_000_000, seed: UInt64(40 + i))
            senders.append(try RunningRTC(["send"] + ice + ["--signal", sendURL, f.path]))
        }
        for s in senders {
            let r = s.finish(timeout: 60)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let l = listen.finish(timeout: 30)
        #expect(l.status == 0, "\(l.stderr)")
        for i in 0..<3 {
            #expect(TestData.sameFiles(dir.appendingPathComponent("f\(i).bin"),
                                       dir.appendingPathComponent("out/f\(i).bin")))
        }
    }
}
