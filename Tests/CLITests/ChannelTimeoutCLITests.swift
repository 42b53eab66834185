import Foundation
import Testing

/// `--connect-timeout` covers the whole way to an open channel: against an aiortc peer whose
/// ICE, DTLS and SCTP come up but which drops every DATA_CHANNEL_OPEN (Scripts/interop/
/// aiortc_silent.py), `rtc offer` and `rtc send` exit 124 within the timeout, naming DCEP.
@Suite(.serialized) struct ChannelTimeoutCLITests {
    static var script: URL {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("Scripts/interop/aiortc_silent.py")
    }

    /// Runs `rtc args` against the silent peer (stdio signaling relayed by hand); returns
    /// the status, the seconds from the answer to the exit, and rtc's stderr.
    func againstSilentPeer(_ args: [String]) throws -> (status: Int32?, seconds: Double, stderr: String) {
        #expect(TransferTCPCLITests.hasAiortc, "no aiortc in \(TransferTCPCLITests.python): run Scripts/interop/setup-venv")
        let silent = try PeerProcess([Self.script.path, "--timeout", "30"],
                                     executable: URL(fileURLWithPath: TransferTCPCLITests.python))
        defer { silent.kill() }
        let rtc = try PeerProcess(args)
        defer { rtc.kill() }
        let offer = try #require(rtc.nextLine(timeout: 10), "no offer; stderr: \(rtc.stderrText)")
        silent.send(offer)
        let answer = try #require(silent.nextLine(timeout: 15), "no answer; stderr: \(silent.stderrText)")
        let start = Date()
        rtc.send(answer)
        let status = rtc.waitForExit(timeout: 20)
        let seconds = Date().timeIntervalSince(start)
        #expect(silent.stderrText.contains("dropped DATA_CHANNEL_OPEN"), "silent peer: \(silent.stderrText)")
        return (status, seconds, rtc.stderrText)
    }

    @Test func offerToAPeerThatNeverACKsExits124() throws {
        let r = try againstSilentPeer(["offer", "--ice-host", "127.0.0.1", "--connect-timeout", "4"])
        #expect(r.status == 124, "stderr: \(r.stderr)")
        #expect(r.seconds < 6, "took \(r.seconds) s")
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("rtc: ") }
        #expect(lines == ["rtc: timed out after 4.0 s waiting for the peer to acknowledge channel 'chat' (DCEP)"],
                "stderr: \(r.stderr)")
    }

    @Test func sendToAPeerThatNeverACKsExits124() throws {
        let dir = try TestData.tempDir("silent")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a.bin")
        try TestData.write(file, size: 1000, seed: 5)
        let r = try againstSilentPeer(["send", "--ice-host", "127.0.0.1", "--quiet", "--connect-timeout", "4", file.path])
        #expect(r.status == 124, "stderr: \(r.stderr)")
        #expect(r.seconds < 6, "took \(r.seconds) s")
        #expect(r.stderr.contains("timed out after 4.0 s waiting for the receiver to acknowledge channel 'a.bin' (DCEP)"),
                "stderr: \(r.stderr)")
    }

    /// `rtc answer` without --open waits for the peer's channel, but only until the connect
    /// timeout: here the offerer's channel is negotiated (--id), so no DCEP OPEN ever comes.
    @Test func answererWhosePeerOpensNoChannelExits124() throws {
        let offerer = try PeerProcess(["offer", "--ice-host", "127.0.0.1", "--json", "--id", "5", "--connect-timeout", "10"])
        defer { offerer.kill() }
        let answerer = try PeerProcess(["answer", "--ice-host", "127.0.0.1", "--json", "--connect-timeout", "3"])
        defer { answerer.kill() }
        let offer = try #require(offerer.nextLine(timeout: 10), "no offer; stderr: \(offerer.stderrText)")
        let start = Date()
        answerer.send(offer)
        let answer = try #require(answerer.nextLine(timeout: 10), "no answer; stderr: \(answerer.stderrText)")
        offerer.send(answer)
        #expect(try offerer.nextEvent("open", timeout: 10)?["id"] as? Int == 5, "stderr: \(offerer.stderrText)")
        #expect(answerer.waitForExit(timeout: 10) == 124, "stderr: \(answerer.stderrText)")
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(answerer.stderrText.contains("rtc: timed out after 3.0 s waiting for the peer to open a channel (DCEP)"),
                "stderr: \(answerer.stderrText)")
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
    }
}
