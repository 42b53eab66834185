import Foundation
import Testing

/// Several channels per session between two `rtc` processes: `--open` on both sides (the
/// answerer's channel reaches the offerer), events carrying `label` and `id`, input routed by
/// `"label"`, unlabelled input to the first channel that opened, unknown labels reported.
@Suite struct ChannelsCLITests {
    /// Reads events (skipping `state`) until `count` of type `type` have come; returns them.
    func collect(_ p: PeerProcess, _ type: String, count: Int, timeout: Double = 15) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var got: [[String: Any]] = []
        while got.count < count, let line = p.nextLine(timeout: deadline.timeIntervalSinceNow) {
            let e = try line.jsonObject()
            if e["type"] as? String == type { got.append(e) } else {
                #expect(e["type"] as? String == "state", "unexpected event while waiting for \(type): \(line)")
            }
        }
        #expect(got.count == count, "\(type) events: \(got); stderr: \(p.stderrText)")
        return got
    }

    func connect(offer: [String], answer: [String], answerJSON: Bool = true) throws -> (PeerProcess, PeerProcess) {
        let base = ["--ice-host", "127.0.0.1", "--connect-timeout", "15"]
        let offerer = try PeerProcess(["offer", "--json"] + base + offer)
        let answerer = try PeerProcess(["answer"] + (answerJSON ? ["--json"] : []) + base + answer)
        let o = try #require(offerer.nextLine(timeout: 10), "no offer; stderr: \(offerer.stderrText)")
        answerer.send(o)
        let a = try #require(answerer.nextLine(timeout: 10), "no answer; stderr: \(answerer.stderrText)")
        offerer.send(a)
        return (offerer, answerer)
    }

    @Test func severalChannelsBothWaysWithLabelRouting() throws {
        let (offerer, answerer) = try connect(offer: ["--open", "extra,unordered"], answer: ["--open", "back,protocol=p1"])
        defer {
            offerer.kill()
            answerer.kill()
        }
        // Each side sees all three channels open, with their ids (offerer's even or odd by DTLS role).
        let offererOpens = try collect(offerer, "open", count: 3)
        let answererOpens = try collect(answerer, "open", count: 3)
        for opens in [offererOpens, answererOpens] {
            #expect(Set(opens.compactMap { $0["label"] as? String }) == ["chat", "extra", "back"])
            #expect(Set(opens.compactMap { $0["id"] as? Int }).count == 3)
        }
        func id(_ label: String, _ opens: [[String: Any]]) -> Int? {
            opens.first { $0["label"] as? String == label }?["id"] as? Int
        }
        for label in ["chat", "extra", "back"] {
            #expect(id(label, offererOpens) == id(label, answererOpens), "ids of \(label) differ")
        }
        // The offerer and answerer open channels of opposite parity (RFC 8832 §6).
        #expect(id("chat", offererOpens).map { $0 % 2 } == id("extra", offererOpens).map { $0 % 2 })
        #expect(id("chat", offererOpens).map { $0 % 2 } != id("back", offererOpens).map { $0 % 2 })

        // Routed by label, both ways, including the answerer's own channel.
        offerer.send(#"{"label":"extra","data":"to extra"}"#)
        offerer.send(#"{"label":"back","data":"to back"}"#)
        answerer.send(#"{"label":"back","data":"from back"}"#)
        let toAnswerer = try collect(answerer, "message", count: 2)
        #expect(toAnswerer.map { "\($0["label"] ?? "")=\($0["data"] ?? "")" } == ["extra=to extra", "back=to back"])
        #expect(toAnswerer.map { $0["id"] as? Int } == [id("extra", answererOpens), id("back", answererOpens)])
        let toOfferer = try collect(offerer, "message", count: 1)
        #expect(toOfferer.first?["label"] as? String == "back" && toOfferer.first?["data"] as? String == "from back")

        // Unlabelled input goes to the first channel that opened on the sending side.
        answerer.send(#"{"data":"default"}"#)
        let first = try collect(offerer, "message", count: 1).first
        #expect(first?["label"] as? String == answererOpens.first?["label"] as? String)
        #expect(first?["data"] as? String == "default")

        // An unknown label is the message's problem: an error event, and the session goes on.
        offerer.send(#"{"label":"nope","data":"lost"}"#)
        let error = try collect(offerer, "error", count: 1).first
        #expect(error?["label"] as? String == "nope")
        #expect((error?["reason"] as? String)?.contains("no open channel") == true)
        #expect(offerer.waitForStderr(containing: "rtc: channel 'nope': no open channel with label 'nope'", timeout: 5))
        offerer.send(#"{"label":"chat","data":"still on"}"#)
        #expect(try collect(answerer, "message", count: 1).first?["data"] as? String == "still on")

        // EOF on the offerer's stdin closes every channel; both sessions end cleanly.
        offerer.closeStdin()
        let closes = try collect(answerer, "close", count: 3)
        #expect(Set(closes.compactMap { $0["label"] as? String }) == ["chat", "extra", "back"])
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
    }

    /// `rtc answer --open` opens a channel the offerer receives (what Janus TextRoom expects of
    /// the answerer), beside the offerer's own.
    @Test func answererOpensAChannelTheOffererReceives() throws {
        let (offerer, answerer) = try connect(offer: [], answer: ["--open", "textroom"])
        defer {
            offerer.kill()
            answerer.kill()
        }
        let opens = try collect(offerer, "open", count: 2)
        #expect(Set(opens.compactMap { $0["label"] as? String }) == ["chat", "textroom"])
        _ = try collect(answerer, "open", count: 2)
        answerer.send(#"{"label":"textroom","data":"{\"textroom\":\"join\"}"}"#)
        let m = try collect(offerer, "message", count: 1).first
        #expect(m?["label"] as? String == "textroom" && m?["data"] as? String == #"{"textroom":"join"}"#)
        answerer.closeStdin()
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
    }

    /// Without --json: messages from every channel are printed as lines, and stdin lines go
    /// to the first channel that opened.
    @Test func plainLinesFromEveryChannel() throws {
        let (offerer, answerer) = try connect(offer: ["--open", "two"], answer: [], answerJSON: false)
        defer {
            offerer.kill()
            answerer.kill()
        }
        let opens = try collect(offerer, "open", count: 2)
        offerer.send(#"{"label":"two","data":"on two"}"#)
        offerer.send(#"{"label":"chat","data":"on chat"}"#)
        #expect(answerer.nextLine(timeout: 10) == "on two", "stderr: \(answerer.stderrText)")
        #expect(answerer.nextLine(timeout: 10) == "on chat")
        answerer.send("typed")
        let m = try collect(offerer, "message", count: 1).first
        #expect(m?["data"] as? String == "typed")
        #expect(opens.contains { $0["label"] as? String == m?["label"] as? String })
        answerer.closeStdin()
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
    }
}
