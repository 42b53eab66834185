import Foundation
import Testing

/// Two `rtc` processes over loopback, wired by pipes as a user would: the offer line goes to
/// `rtc answer`, the answer line back to `rtc offer`, then a message each way and EOF closes.
/// (The full end-to-end suite, with aiortc and Chromium, is Scripts/interop/run.)
@Suite struct OfferAnswerCLITests {
    @Test func twoProcessesConnectEchoAndClose() throws {
        let offerer = try PeerProcess(["offer", "--ice-host", "127.0.0.1", "--json", "--connect-timeout", "15"])
        defer { offerer.kill() }
        let answerer = try PeerProcess(["answer", "--ice-host", "127.0.0.1", "--json", "--connect-timeout", "15"])
        defer { answerer.kill() }

        let offer = try #require(offerer.nextLine(timeout: 10), "no offer; stderr: \(offerer.stderrText)")
        #expect(try offer.jsonObject()["type"] as? String == "offer")
        answerer.send(offer)
        let answer = try #require(answerer.nextLine(timeout: 10), "no answer; stderr: \(answerer.stderrText)")
        #expect(try answer.jsonObject()["type"] as? String == "answer")
        offerer.send(answer)

        for p in [offerer, answerer] {
            let open = try #require(try p.nextEvent("open", timeout: 15), "no open; stderr: \(p.stderrText)")
            #expect(open["label"] as? String == "chat")
        }

        offerer.send(#"{"data":"hello"}"#)
        let got = try #require(try answerer.nextEvent("message", timeout: 10))
        #expect(got["data"] as? String == "hello")
        #expect(got["label"] as? String == "chat")
        answerer.send(#"{"data":"echo: hello"}"#)
        let back = try #require(try offerer.nextEvent("message", timeout: 10))
        #expect(back["data"] as? String == "echo: hello")

        offerer.closeStdin()
        #expect(try answerer.nextEvent("close", timeout: 10) != nil)
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
        answerer.closeStdin()
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
    }
}

/// IPv6 loopback, and trickled candidates: the answerer gets an offer without candidates and
/// then each candidate as a browser `RTCIceCandidateInit` line, then end-of-candidates.
@Suite struct OfferAnswerVariantsCLITests {
    func connect(host: String, trickleCandidates: Bool) throws {
        let offerer = try PeerProcess(["offer", "--ice-host", host, "--json", "--connect-timeout", "15"])
        defer { offerer.kill() }
        let answerer = try PeerProcess(["answer", "--ice-host", host, "--json", "--trickle", "--connect-timeout", "15"])
        defer { answerer.kill() }
        let offer = try #require(offerer.nextLine(timeout: 10), "no offer; stderr: \(offerer.stderrText)")
        #expect(offer.contains("typ host"))
        try hand(offer, to: answerer, trickle: trickleCandidates)
        let answer = try #require(answerer.nextLine(timeout: 10), "no answer; stderr: \(answerer.stderrText)")
        #expect(answer.contains("a=ice-options:trickle"))
        try hand(answer, to: offerer, trickle: trickleCandidates)
        for p in [offerer, answerer] {
            #expect(try p.nextEvent("open", timeout: 15) != nil, "no open; stderr: \(p.stderrText)")
        }
        offerer.send(#"{"data":"over \#(host)"}"#)
        #expect(try answerer.nextEvent("message", timeout: 10)?["data"] as? String == "over \(host)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
    }

    /// With `trickle`, the description goes without candidates and each follows as its own
    /// line: neither side can reach the other unless it handles those lines.
    func hand(_ description: String, to peer: PeerProcess, trickle: Bool) throws {
        guard trickle else {
            peer.send(description)
            return
        }
        var object = try description.jsonObject()
        let lines = try #require(object["sdp"] as? String).components(separatedBy: "\r\n")
        let candidates = lines.filter { $0.hasPrefix("a=candidate:") }.map { String($0.dropFirst(2)) }
        #expect(!candidates.isEmpty)
        object["sdp"] = lines.filter { !$0.hasPrefix("a=candidate:") && $0 != "a=end-of-candidates" }
            .joined(separator: "\r\n")
        peer.send(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
        for c in candidates {
            peer.send(#"{"type":"candidate","candidate":"\#(c)","sdpMid":"0","sdpMLineIndex":0}"#)
        }
        peer.send(#"{"type":"candidate","candidate":"","sdpMid":"0","sdpMLineIndex":0}"#)
    }

    @Test func ipv6Loopback() throws { try connect(host: "::1", trickleCandidates: false) }

    @Test func trickledCandidates() throws { try connect(host: "127.0.0.1", trickleCandidates: true) }
}

/// `--cert/--key`: a persistent identity; the offer announces that certificate's fingerprint.
@Suite struct PersistentCertificateCLITests {
    func openssl(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func offerAnnouncesTheGivenCertificate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtc-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("key.pem").path, cert = dir.appendingPathComponent("cert.pem").path
        _ = try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                         "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=rtc-test"])
        let fingerprint = try openssl(["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"])
            .split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        let expected = try #require(fingerprint)
        #expect(expected.count == 95)

        let r = try CLI.run(["offer", "--ice-host", "127.0.0.1", "--cert", cert, "--key", key,
                             "--connect-timeout", "1"], stdin: "", timeout: 20)
        let offer = try #require(r.stdout.split(separator: "\n").first.map(String.init))
        let object = try #require(JSONSerialization.jsonObject(with: Data(offer.utf8)) as? [String: Any])
        let sdp = try #require(object["sdp"] as? String)
        #expect(sdp.contains("a=fingerprint:sha-256 \(expected)\r\n"), "\(sdp)")

        let bad = try CLI.run(["offer", "--ice-host", "127.0.0.1", "--cert", key, "--key", cert], stdin: "")
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("--cert"))
    }
}

/// One `rtc` child process with its stdout split into lines by a reader thread.
// @unchecked Sendable is safe: `lines`, `stdoutEnded` and `stderrData` are used only under `condition`.
final class PeerProcess: @unchecked Sendable {
    private let process = Process()
    private let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
    private let condition = NSCondition()
    private var lines: [String] = []
    private var stdoutEnded = false
    private var stderrData = Data()

    /// Runs `rtc args...`, or `executable args...` (another peer, e.g. an aiortc script).
    init(_ args: [String], executable: URL? = nil) throws {
        process.executableURL = executable ?? CLI.binary
        process.arguments = args
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        let out = stdoutPipe.fileHandleForReading
        Thread { [self] in
            var buffer = Data()
            while true {
                let chunk = out.availableData
                condition.lock()
                if chunk.isEmpty {
                    stdoutEnded = true
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self))
                    buffer = Data(buffer[(nl + 1)...])
                }
                condition.broadcast()
                condition.unlock()
            }
        }.start()
        let err = stderrPipe.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = err.availableData
                if chunk.isEmpty { return }
                condition.lock()
                stderrData.append(chunk)
                condition.broadcast()
                condition.unlock()
            }
        }.start()
    }

    var stderrText: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: stderrData, as: UTF8.self)
    }

    /// True once stderr contains `text`; false if it does not within `timeout` seconds.
    func waitForStderr(containing text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while !String(decoding: stderrData, as: UTF8.self).contains(text) {
            if !condition.wait(until: deadline) { return false }
        }
        return true
    }

    /// The next stdout line, or nil at EOF or after `timeout` seconds.
    func nextLine(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while lines.isEmpty && !stdoutEnded {
            if !condition.wait(until: deadline) { break }
        }
        return lines.isEmpty ? nil : lines.removeFirst()
    }

    /// Reads JSON event lines until one of type `type` (skipping `state` events).
    func nextEvent(_ type: String, timeout: Double) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while let line = nextLine(timeout: deadline.timeIntervalSinceNow) {
            let event = try line.jsonObject()
            if event["type"] as? String == type { return event }
            #expect(event["type"] as? String == "state", "unexpected event before \(type): \(line)")
        }
        return nil
    }

    func send(_ line: String) {
        try? stdinPipe.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func closeStdin() {
        try? stdinPipe.fileHandleForWriting.close()
    }

    /// The exit status, or nil if still running after `timeout` seconds.
    func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGTERM, as a user stopping a server does.
    func terminate() {
        if process.isRunning { process.terminate() }
    }

    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

extension String {
    func jsonObject() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(self)")
    }
}

/// A STUN server that never answers holds gathering up for ~30 s (its requests' retransmissions);
/// a description that carries every candidate (no trickle) waits for it at most 4 s, then goes
/// with what was gathered (no `a=end-of-candidates`), and the host candidates connect.
@Suite struct SilentSTUNServerCLITests {
    @Test func descriptionsWaitForAnUnansweringSTUNServerAtMostFourSeconds() throws {
        let silent = try FakeSTUNServer { _, _ in [] }
        defer { silent.stop() }
        let stun = "stun:127.0.0.1:\(silent.port)"
        let offerer = try PeerProcess(["offer", "--ice-host", "127.0.0.1", "--stun", stun, "--json",
                                       "--connect-timeout", "20"])
        defer { offerer.kill() }
        let answerer = try PeerProcess(["answer", "--ice-host", "127.0.0.1", "--stun", stun, "--json",
                                        "--connect-timeout", "20"])
        defer { answerer.kill() }

        var start = Date()
        let offer = try #require(offerer.nextLine(timeout: 20), "no offer; stderr: \(offerer.stderrText)")
        let offerWait = Date().timeIntervalSince(start)
        answerer.send(offer)
        start = Date()
        let answer = try #require(answerer.nextLine(timeout: 20), "no answer; stderr: \(answerer.stderrText)")
        let answerWait = Date().timeIntervalSince(start)
        // Each waited for the server (it asked, and gave it its 4 s), and not for its whole ~30 s.
        for (wait, role) in [(offerWait, "offer"), (answerWait, "answer")] {
            #expect(wait >= 3.5 && wait < 10, "\(role) after \(wait) s")
        }
        #expect(silent.requestCount >= 2, "the server was asked \(silent.requestCount) times")
        for line in [offer, answer] {
            let sdp = try #require(try line.jsonObject()["sdp"] as? String)
            #expect(sdp.contains("typ host"), "\(sdp)")
            #expect(!sdp.contains("a=end-of-candidates"), "\(sdp)")
        }
        offerer.send(answer)
        for p in [offerer, answerer] {
            #expect(try p.nextEvent("open", timeout: 15) != nil, "no open; stderr: \(p.stderrText)")
        }
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
        answerer.closeStdin()
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
    }
}
