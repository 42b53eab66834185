import Foundation
import RTCTestSupport
import Testing

/// `--turn`, `--turn-user`, `--turn-pass` and `--relay-only` on `rtc offer` / `rtc answer`.
@Suite struct TURNCLITests {
    @Test(arguments: [
        ["offer", "--relay-only"],
        ["offer", "--turn", "turn:127.0.0.1:3478"],
        ["offer", "--turn", "turn:127.0.0.1:3478", "--turn-user", "u"],
        ["answer", "--turn", "stun:127.0.0.1:3478", "--turn-user", "u", "--turn-pass", "p"],
        ["answer", "--turn", "turn:127.0.0.1:3478?transport=tcp", "--turn-user", "u", "--turn-pass", "p"],
    ])
    func badTURNOptionsAreUsageErrors(args: [String]) throws {
        let r = try CLI.run(args, stdin: "")
        #expect(r.status == 64, "\(args): \(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    /// Two `rtc` processes with `--relay-only` through coturn on loopback: only relayed
    /// candidates are offered, the channel opens and carries a message each way.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func relayOnlyPeersConnectThroughCoturn() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let common = ["--ice-host", "127.0.0.1", "--json", "--connect-timeout", "15",
                      "--turn", "turn:127.0.0.1:\(coturn.port)", "--turn-user", coturn.user,
                      "--turn-pass", coturn.password, "--relay-only", "--verbose"]
        let offerer = try PeerProcess(["offer"] + common)
        defer { offerer.kill() }
        let answerer = try PeerProcess(["answer"] + common)
        defer { answerer.kill() }

        let offer = try #require(offerer.nextLine(timeout: 10), "no offer; stderr: \(offerer.stderrText)")
        let sdp = try #require(try offer.jsonObject()["sdp"] as? String)
        let candidates = sdp.components(separatedBy: "\r\n").filter { $0.hasPrefix("a=candidate:") }
        #expect(!candidates.isEmpty && candidates.allSatisfy { $0.contains(" typ relay raddr ") }, "\(candidates)")
        answerer.send(offer)
        let answer = try #require(answerer.nextLine(timeout: 10), "no answer; stderr: \(answerer.stderrText)")
        offerer.send(answer)
        for p in [offerer, answerer] {
            _ = try #require(try p.nextEvent("open", timeout: 15), "no open; stderr: \(p.stderrText)")
        }
        offerer.send(#"{"data":"via relay"}"#)
        let got = try #require(try answerer.nextEvent("message", timeout: 10))
        #expect(got["data"] as? String == "via relay")
        answerer.send(#"{"data":"back"}"#)
        let back = try #require(try offerer.nextEvent("message", timeout: 10))
        #expect(back["data"] as? String == "back")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
        answerer.closeStdin()
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
        #expect(offerer.stderrText.contains("selected relay"), "\(offerer.stderrText)")
    }
}
