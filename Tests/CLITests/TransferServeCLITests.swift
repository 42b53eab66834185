import Foundation
import Testing

/// A listening `--signal` serves one peer after another: `rtc send` gives every receiver the
/// files again, `rtc offer`/`rtc answer` hand stdin to the current session.
@Suite(.serialized) struct TransferServeCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    /// The listening URL on a port the system picks, and the URL peers connect to once it is known.
    private func listenURL(_ transport: String) -> String { "\(transport)-listen://127.0.0.1:0" }
    private func connectURL(_ transport: String, _ port: UInt16) -> String {
        transport == "tcp" ? "tcp://127.0.0.1:\(port)" : "ws://127.0.0.1:\(port)/ws"
    }

    private func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test(arguments: ["tcp", "ws"]) func sendServesEveryReceiverTheFilesAgain(transport: String) throws {
        let dir = try TestData.tempDir("serve-send-\(transport)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.bin"), b = dir.appendingPathComponent("b.bin")
        try TestData.write(a, size: 2_000_000, seed: 51)
        try TestData.write(b, size: 300_001, seed: 52)
        let (send, port) = try RunningRTC.listening(["send"] + ice + ["--signal", listenURL(transport), "--count", "3",
                                                                     a.path, b.path])
        let connectURL = connectURL(transport, port)
        // Two receivers at once (the second waits its turn), then a third after they are done.
        let r1 = try RunningRTC(["listen"] + ice + ["--signal", connectURL, "-o", dir.appendingPathComponent("o1").path + "/"])
        let r2 = try RunningRTC(["listen"] + ice + ["--signal", connectURL, "-o", dir.appendingPathComponent("o2").path + "/"])
        let l1 = r1.finish(timeout: 60), l2 = r2.finish(timeout: 60)
        #expect(send.process.isRunning, "send must keep serving until --count sessions")
        let r3 = try RunningRTC(["listen"] + ice + ["--signal", connectURL, "-o", dir.appendingPathComponent("o3").path + "/"])
        let l3 = r3.finish(timeout: 60)
        let s = send.finish(timeout: 20)
        for (i, l) in [l1, l2, l3].enumerated() { #expect(l.status == 0, "receiver \(i + 1): \(l.stderr)") }
        #expect(s.status == 0, "\(s.stderr)")
        for o in ["o1", "o2", "o3"] {
            #expect(TestData.sameFiles(a, dir.appendingPathComponent("\(o)/a.bin")), "\(o)")
            #expect(TestData.sameFiles(b, dir.appendingPathComponent("\(o)/b.bin")), "\(o)")
        }
        let files = jsonLines(s.stdout).filter { $0["type"] as? String == "file" }
        #expect(files.count == 6)
        #expect(files.allSatisfy { $0["verified"] as? Bool == true })
        #expect(files.compactMap { $0["session"] as? Int } == [1, 1, 2, 2, 3, 3])
    }

    @Test func sendServerStopsOnSIGTERMWhenIdleWithStatusOfItsSessions() throws {
        let dir = try TestData.tempDir("serve-term")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("f.bin")
        try TestData.write(f, size: 500_000, seed: 53)
        let (send, port) = try RunningRTC.listening(["send"] + ice + ["--signal", "tcp-listen://127.0.0.1:0", f.path])
        let l = try CLI.run(["listen"] + ice + ["--signal", "tcp://127.0.0.1:\(port)", "-o", dir.appendingPathComponent("o").path + "/"],
                            timeout: 60)
        #expect(l.status == 0, "\(l.stderr)")
        usleep(500_000)
        #expect(send.process.isRunning, "no --count: send serves until stopped")
        kill(send.process.processIdentifier, SIGTERM)
        let started = Date()
        let s = send.finish(timeout: 10)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(s.status == 0, "\(s.stderr)")
        #expect(TestData.sameFiles(f, dir.appendingPathComponent("o/f.bin")))
    }

    @Test func sendStdinServesOneReceiver() throws {
        let r = try CLI.run(["send", "--signal", "tcp-listen://127.0.0.1:1", "--count", "2", "-"], timeout: 10)
        #expect(r.status == 64, "\(r.stderr)")
    }

    @Test(arguments: ["tcp", "ws"]) func offerServesPeersOneAfterAnotherWithStdin(transport: String) throws {
        let (offer, port) = try RunningRTC.listening(["offer", "--ice-host", "127.0.0.1", "--signal", listenURL(transport)])
        let connectURL = connectURL(transport, port)
        defer { if offer.process.isRunning { offer.process.terminate() } }
        offer.writeLine("to the first")
        let a1 = try RunningRTC(["answer", "--ice-host", "127.0.0.1", "--signal", connectURL])
        #expect(a1.readLine(within: 20) == "to the first")
        a1.closeStdin() // the first peer leaves: its channel closes, the offer keeps serving
        let r1 = a1.finish(timeout: 20)
        #expect(r1.status == 0, "\(r1.stderr)")
        usleep(500_000)
        #expect(offer.process.isRunning, "the offer must serve the next peer")
        offer.writeLine("to the second") // read between sessions: waits for the next one
        let a2 = try RunningRTC(["answer", "--ice-host", "127.0.0.1", "--signal", connectURL])
        #expect(a2.readLine(within: 20) == "to the second")
        offer.writeLine("more for the second")
        #expect(a2.readLine(within: 20) == "more for the second")
        offer.closeStdin() // EOF: the current session closes once delivered, and the server stops
        let r2 = a2.finish(timeout: 20)
        let o = offer.finish(timeout: 20)
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(r2.stdout.isEmpty, "\(r2.stdout)")
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout.isEmpty, "stdout is data only: \(o.stdout)")
    }

    @Test func answerServerCountsSessionsAndReportsThemInJSON() throws {
        let (answer, port) = try RunningRTC.listening(["answer", "--ice-host", "127.0.0.1", "--json", "--signal",
                                                      "tcp-listen://127.0.0.1:0", "--count", "2"])
        defer { if answer.process.isRunning { answer.process.terminate() } }
        for i in 1...2 {
            let o = try CLI.run(["offer", "--ice-host", "127.0.0.1", "--signal", "tcp://127.0.0.1:\(port)"],
                                stdin: "hello \(i)\n", timeout: 30)
            #expect(o.status == 0, "offer \(i): \(o.stderr)")
        }
        let a = answer.finish(timeout: 20)
        #expect(a.status == 0, "\(a.stderr)")
        let lines = jsonLines(a.stdout)
        let messages = lines.filter { $0["type"] as? String == "message" }.compactMap { $0["data"] as? String }
        #expect(messages == ["hello 1", "hello 2"])
        let sessions = lines.filter { $0["type"] as? String == "session" }
        #expect(sessions.compactMap { $0["session"] as? Int } == [1, 2])
        #expect(sessions.allSatisfy { $0["status"] as? Int == 0 })
    }

    @Test func offerServerStopsOnSIGINTWhenIdle() throws {
        let (offer, port) = try RunningRTC.listening(["offer", "--ice-host", "127.0.0.1", "--signal",
                                                     "tcp-listen://127.0.0.1:0"])
        let a = try CLI.run(["answer", "--ice-host", "127.0.0.1", "--signal", "tcp://127.0.0.1:\(port)"],
                            stdin: "", timeout: 30)
        #expect(a.status == 0, "\(a.stderr)")
        usleep(300_000)
        #expect(offer.process.isRunning)
        kill(offer.process.processIdentifier, SIGINT)
        let started = Date()
        let o = offer.finish(timeout: 10)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(o.status == 0, "\(o.stderr)")
    }
}

/// A WebSocket signaling peer that sends garbage (a non-JSON text frame, a binary frame, JSON
/// that is not signaling) makes rtc exit 65, never hang: on ws-listen:// and on ws://.
@Suite(.serialized) struct SignalWebSocketGarbageCLITests {
    static let kinds = ["text", "binary", "json"]

    private func frame(_ kind: String) -> (UInt8, [UInt8]) {
        switch kind {
        case "binary": return (2, [0, 1, 2, 0xFF, 0x7B])
        case "json": return (1, Array("{\"type\":\"nonsense\",\"sdp\":42}".utf8))
        default: return (1, Array("\u{01}garbage{{{ not json".utf8))
        }
    }

    /// Garbage before the offer is dropped without taking the --count slot: the connection is
    /// closed, the server keeps serving, and the real peer after it succeeds.
    @Test(arguments: ["listen", "answer"], kinds) func garbageIntoWsListen(command: String, kind: String) throws {
        let dir = try TestData.tempDir("ws-garbage")
        defer { try? FileManager.default.removeItem(at: dir) }
        let extra = command == "listen" ? ["--quiet", "-o", dir.path + "/"] : []
        let (rtc, port) = try RunningRTC.listening([command, "--ice-host", "127.0.0.1", "--signal", "ws-listen://127.0.0.1:0",
                                                   "--count", "1", "--connect-timeout", "30"] + extra)
        defer { if rtc.process.isRunning { rtc.process.terminate() } }
        let fd = RawWebSocket.connect(port: port)
        #expect(fd >= 0, "no WebSocket upgrade")
        defer { if fd >= 0 { close(fd) } }
        let (opcode, payload) = frame(kind)
        RawWebSocket.sendFrame(fd, opcode: opcode, payload: payload, masked: true)
        #expect(RawTCP.secondsUntilClosed(fd, limit: 10) != nil, "the garbage connection was not closed")
        #expect(rtc.process.isRunning, "garbage must not take the only --count slot")
        let peer = command == "listen"
            ? try CLI.run(["send", "--quiet", "--ice-host", "127.0.0.1", "--signal", "ws://127.0.0.1:\(port)/ws", "/etc/hostname"],
                          timeout: 30)
            : try CLI.run(["offer", "--ice-host", "127.0.0.1", "--signal", "ws://127.0.0.1:\(port)/ws"], stdin: "real\n",
                          timeout: 30)
        #expect(peer.status == 0, "\(peer.stderr)")
        let r = rtc.finish(timeout: 20)
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test(arguments: ["send", "answer"], kinds) func garbageFromWsServer(command: String, kind: String) throws {
        let (listener, port) = RawWebSocket.listen()
        defer { close(listener) }
        let args = command == "send" ? ["send", "--quiet", "/etc/hostname"] : ["answer"]
        let rtc = try RunningRTC(args + ["--ice-host", "127.0.0.1", "--signal", "ws://127.0.0.1:\(port)/ws",
                                         "--connect-timeout", "30"])
        let fd = RawWebSocket.acceptUpgrade(listener)
        #expect(fd >= 0, "rtc did not connect")
        defer { if fd >= 0 { close(fd) } }
        let (opcode, payload) = frame(kind)
        RawWebSocket.sendFrame(fd, opcode: opcode, payload: payload, masked: false)
        let started = Date()
        let r = rtc.finish(timeout: 20)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 10, "took too long: a hang?")
    }
}

/// `rtc listen` writes on a writer thread behind a bounded queue: a consumer slower than the
/// network (here a slow stdout reader) pauses receiving instead of growing memory.
@Suite(.serialized) struct TransferListenWriterCLITests {
    private func peakRSSKiB(_ pid: Int32) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
        }
        return 0
    }

    @Test func slowStdoutConsumerKeepsListenMemoryBounded() throws {
        let dir = try TestData.tempDir("slow-sink")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("s.bin")
        let size = 160 << 20
        try TestData.write(src, size: size, seed: 61)
        let (listen, port) = try RunningRTC.listening(["listen", "--ice-host", "127.0.0.1", "--quiet", "-o", "-",
                                                      "--signal", "tcp-listen://127.0.0.1:0", "--count", "1"])
        let send = try RunningRTC(["send", "--ice-host", "127.0.0.1", "--quiet", "--signal", "tcp://127.0.0.1:\(port)",
                                   src.path])
        // Read stdout at about 25 MB/s (64 KiB every 2.5 ms), bounded by count and time.
        let sink = dir.appendingPathComponent("copy.bin")
        _ = FileManager.default.createFile(atPath: sink.path, contents: nil)
        let h = try FileHandle(forWritingTo: sink)
        let fd = listen.stdoutPipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var got = 0, peak = 0
        let deadline = Date().addingTimeInterval(60)
        for i in 0..<100_000 where got < size && Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            try h.write(contentsOf: buffer[0..<n])
            got += n
            usleep(2_500)
            if i % 40 == 0 { peak = max(peak, peakRSSKiB(listen.process.processIdentifier)) }
        }
        try h.close()
        let s = send.finish(timeout: 30)
        let l = listen.finish(timeout: 30)
        print("slow stdout consumer: listen peak RSS \(peak / 1024) MiB for \(size >> 20) MiB")
        #expect(s.status == 0, "\(s.stderr)")
        #expect(l.status == 0, "\(l.stderr)")
        #expect(got == size)
        #expect(TestData.sameFiles(src, sink))
        #expect(peak < 128 * 1024, "listen RSS grew to \(peak / 1024) MiB")
    }
}
