import Foundation
import Testing

/// A message above the peer's `a=max-message-size` (RFC 8841) is the message's problem: an
/// error line and event, nothing sent, the session goes on; `rtc send` cuts its pieces to the
/// receiver's limit.
@Suite(.serialized) struct MaxMessageSizeCLITests {
    /// rtc↔rtc: both announce 262,144. A larger message gives `{"type":"error",...}` and the next
    /// one still arrives; one exactly at the limit goes through.
    @Test func oversizeMessageIsAnErrorEventAndTheSessionGoesOn() throws {
        let base = ["--ice-host", "127.0.0.1", "--json", "--connect-timeout", "15"]
        let offerer = try PeerProcess(["offer"] + base)
        defer { offerer.kill() }
        let answerer = try PeerProcess(["answer"] + base)
        defer { answerer.kill() }
        let offer = try #require(offerer.nextLine(timeout: 10), "no offer; stderr: \(offerer.stderrText)")
        answerer.send(offer)
        let answer = try #require(answerer.nextLine(timeout: 10), "no answer; stderr: \(answerer.stderrText)")
        #expect(answer.contains("a=max-message-size:262144"))
        offerer.send(answer)
        for p in [offerer, answerer] {
            #expect(try p.nextEvent("open", timeout: 15) != nil, "no open; stderr: \(p.stderrText)")
        }
        let tooBig = String(repeating: "x", count: 262_145)
        let atLimit = String(repeating: "y", count: 262_144)
        offerer.send(#"{"data":"\#(tooBig)"}"#)
        let error = try #require(try offerer.nextEvent("error", timeout: 10), "stderr: \(offerer.stderrText)")
        #expect(error["label"] as? String == "chat")
        #expect((error["reason"] as? String)?.contains("262145 bytes is larger than the peer's limit of 262144") == true,
                "\(error)")
        #expect(offerer.waitForStderr(containing: "rtc: channel 'chat': message of 262145 bytes", timeout: 5))
        offerer.send(#"{"data":"\#(atLimit)"}"#)
        offerer.send(#"{"data":"next"}"#)
        let first = try #require(try answerer.nextEvent("message", timeout: 10))
        #expect((first["data"] as? String)?.count == 262_144)
        #expect(try answerer.nextEvent("message", timeout: 10)?["data"] as? String == "next")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
    }

    /// aiortc announcing a=max-message-size:16384: `rtc send` sends pieces of at most that
    /// (with 64 KiB pieces every chunk would be refused) and the file arrives intact.
    @Test func sendCutsPiecesToTheReceiversLimit() throws {
        #expect(TransferTCPCLITests.hasAiortc, "no aiortc in \(TransferTCPCLITests.python): run Scripts/interop/setup-venv")
        let dir = try TestData.tempDir("mms")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("m.bin")
        try TestData.write(src, size: 1_000_000, seed: 12)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // The aiortc server listens once its offer is ready, and says where.
        let (py, port) = try RunningRTC.listening(
            ["AIORTC_MAX_MESSAGE_SIZE=16384", TransferTCPCLITests.python, TransferTCPCLITests.script, "receive",
             "127.0.0.1", "0", out.path],
            executable: URL(fileURLWithPath: "/usr/bin/env"), within: 30)
        defer { if py.process.isRunning { py.process.terminate() } }
        let r = try CLI.run(["send", "--answer", "--ice-host", "127.0.0.1", "--quiet", "--signal",
                             "tcp://127.0.0.1:\(port)", "--connect-timeout", "20", src.path], timeout: 60)
        let p = py.finish(timeout: 30)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(p.stdout.contains("\"verified\": true"), "\(p.stdout) \(p.stderr)")
        #expect(TestData.sameFiles(src, out.appendingPathComponent("m.bin")))
    }
}
