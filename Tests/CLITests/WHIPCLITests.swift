import Foundation
import RTCTestSupport
import Testing

/// WHIP/WHEP signaling (RFC 9725) between built `rtc` processes on loopback: `rtc offer
/// --signal whip+http://…` against `rtc answer --signal whip-listen://…`, and each side against
/// a test playing the other by hand (a scripted HTTP server, a hand-made HTTP client).
@Suite struct WHIPCLITests {
    static let ice = ["--ice-host", "127.0.0.1", "--connect-timeout", "15"]

    /// Starts `rtc answer` as a WHIP/WHEP endpoint on a port the system picks and waits until
    /// it says which (its verbose "endpoint on" line).
    static func endpoint(_ kind: String, extra: [String] = []) throws -> (PeerProcess, UInt16) {
        let p = try PeerProcess(["answer"] + ice + ["--json", "-v", "--signal", "\(kind)-listen://127.0.0.1:0"] + extra)
        let prefix = "endpoint on http://127.0.0.1:"
        #expect(p.waitForStderr(containing: prefix, timeout: 15), "\(p.stderrText)")
        let after = p.stderrText.components(separatedBy: prefix).dropFirst().first ?? ""
        let port = try #require(UInt16(after.prefix { $0.isNumber }), "\(p.stderrText)")
        return (p, port)
    }

    static func echo(_ offerer: PeerProcess, _ answerer: PeerProcess, count: Int) throws {
        for p in [offerer, answerer] {
            #expect(try p.nextEvent("open", timeout: 15) != nil, "no open; stderr: \(p.stderrText)")
        }
        for i in 0..<count {
            offerer.send(#"{"data":"to answerer \#(i)"}"#)
            answerer.send(#"{"data":"to offerer \#(i)"}"#)
        }
        for i in 0..<count {
            #expect(try answerer.nextEvent("message", timeout: 10)?["data"] as? String == "to answerer \(i)")
            #expect(try offerer.nextEvent("message", timeout: 10)?["data"] as? String == "to offerer \(i)")
        }
    }

    /// rtc ⇄ rtc over WHIP and WHEP: messages both ways; stdin EOF on the offerer ends the
    /// session, its DELETE reaches the endpoint, and both exit 0. WHEP also carries a token.
    @Test(arguments: ["whip", "whep"])
    func offerToListeningEndpoint(_ kind: String) throws {
        let token = kind == "whep" ? ["--token", "s3cret-\(kind)"] : []
        let (answerer, port) = try Self.endpoint(kind, extra: token)
        defer { answerer.kill() }
        let offerer = try PeerProcess(["offer"] + Self.ice + token
                                      + ["--json", "-v", "--signal", "\(kind)+http://127.0.0.1:\(port)/\(kind)"])
        defer { offerer.kill() }
        try Self.echo(offerer, answerer, count: 5)
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
        #expect(offerer.stderrText.contains("DELETE answered HTTP 200"), "\(offerer.stderrText)")
        #expect(answerer.waitForStderr(containing: "DELETE /resource/", timeout: 5), "\(answerer.stderrText)")
        // The answerer reports the channel's close, then the session's end.
        #expect(try answerer.nextEvent("close", timeout: 10) != nil, "\(answerer.stderrText)")
        let session = try #require(try answerer.nextEvent("session", timeout: 10), "\(answerer.stderrText)")
        #expect(session["status"] as? Int == 0)
        answerer.terminate()
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
    }

    /// --trickle: the offer goes out before gathering ends and the rest (a TURN relay
    /// candidate from coturn on loopback, then the end of candidates) follows by PATCH
    /// (application/trickle-ice-sdpfrag); the endpoint takes them and the session connects.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func trickleByPatch() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let (answerer, port) = try Self.endpoint("whip", extra: ["--count", "1"])
        defer { answerer.kill() }
        let turn = ["--turn", "turn:127.0.0.1:\(coturn.port)", "--turn-user", coturn.user, "--turn-pass", coturn.password]
        let offerer = try PeerProcess(["offer"] + Self.ice + turn
                                      + ["--json", "-v", "--trickle", "--signal", "whip+http://127.0.0.1:\(port)/"])
        defer { offerer.kill() }
        try Self.echo(offerer, answerer, count: 2)
        #expect(offerer.stderrText.contains("PATCH http://127.0.0.1:\(port)/resource/"), "\(offerer.stderrText)")
        // The endpoint logs each fragment's candidate count; at least one came with one.
        let log = answerer.stderrText
        #expect(log.contains("PATCH /resource/"), "\(log)")
        #expect(log.range(of: #"PATCH /resource/[0-9a-f]+ \([1-9][0-9]* candidates"#, options: .regularExpression) != nil, "\(log)")
        #expect(log.contains(", end)"), "\(log)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
        #expect(answerer.waitForExit(timeout: 15) == 0, "answerer: \(answerer.stderrText)")
    }

    /// The endpoint trickles to a client that asks (rtc's extension): `rtc answer --relay-only
    /// --turn …` answers a trickling `rtc offer` at once, before its TURN allocation on coturn
    /// is done, so its only candidate — the relayed one — reaches the client in the body of a
    /// PATCH response; the path ICE selects runs through that relay.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func endpointTricklesItsRelayCandidateInAPATCHResponse() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let (answerer, port) = try Self.endpoint("whip", extra: ["--count", "1", "--relay-only",
                                                                 "--turn", "turn:127.0.0.1:\(coturn.port)",
                                                                 "--turn-user", coturn.user, "--turn-pass", coturn.password])
        defer { answerer.kill() }
        let offerer = try PeerProcess(["offer"] + Self.ice
                                      + ["--json", "-v", "--trickle", "--signal", "whip+http://127.0.0.1:\(port)/whip"])
        defer { offerer.kill() }
        try Self.echo(offerer, answerer, count: 2)
        #expect(answerer.stderrText.contains("the client takes our candidates in PATCH responses"), "\(answerer.stderrText)")
        let log = offerer.stderrText
        let line = try #require(log.split(separator: "\n").first { $0.contains("endpoint's candidates in the PATCH response") },
                                "no candidates from a PATCH response: \(log)")
        // `[candidate:… udp PRIORITY IP PORT typ relay …]`: the endpoint's relayed address.
        let fields = try #require(line.split(separator: "[").dropFirst().first { $0.contains(" typ relay ") }, "\(line)")
            .split(separator: " ")
        #expect(fields.count > 7)
        let relay = "\(fields[4]):\(fields[5])"
        #expect(Int(fields[5]) != nil && fields[5] != "\(coturn.port)", "\(line)")
        // ICE selected a pair whose remote end is that relayed address (as a relay candidate, or
        // peer-reflexive when its checks came before the PATCH response).
        let selected = try #require(log.split(separator: "\n").last { $0.contains("selected ") }, "\(log)")
        #expect(selected.hasSuffix(" \(relay)") || selected.contains(" \(relay) "), "\(selected) vs \(relay)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
        #expect(answerer.waitForExit(timeout: 15) == 0, "answerer: \(answerer.stderrText)")
    }

    /// A wrong token is refused with 401: the offerer exits 65 naming it.
    /// RFC 9725 §4.6 both ways: `rtc answer --signal whip-listen:// --turn …` names its TURN
    /// server (coturn on loopback) with credentials in `Link` headers on its OPTIONS and 201, and
    /// `rtc offer` given no --turn takes it from there: it allocates a relay on it and connects.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func endpointOffersItsTURNServerToTheClient() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let turn = "turn:127.0.0.1:\(coturn.port)?transport=udp"
        let (answerer, port) = try Self.endpoint("whip", extra: ["--count", "1", "--token", "tk", "--turn", turn,
                                                                 "--turn-user", coturn.user, "--turn-pass", coturn.password])
        defer { answerer.kill() }
        let expected = #"<\#(turn)>; rel="ice-server"; username="\#(coturn.user)"; credential="\#(coturn.password)"; "#
            + #"credential-type="password""#
        let options = try HTTPTestClient.request(port: port, "OPTIONS", "/whip", headers: [("Authorization", "Bearer tk")])
        #expect(options.values("link") == [expected])
        let offerer = try PeerProcess(["offer"] + Self.ice + ["--json", "-v", "--token", "tk",
                                                              "--signal", "whip+http://127.0.0.1:\(port)/whip"])
        defer { offerer.kill() }
        try Self.echo(offerer, answerer, count: 1)
        let log = offerer.stderrText
        #expect(log.contains("endpoint offers ICE servers: \(turn)"), "\(log)")
        #expect(log.contains("using ICE server \(turn)"), "\(log)")
        #expect(log.contains("TURN allocation on 127.0.0.1:\(coturn.port): relayed"), "\(log)")
        // The 201 named the same server: nothing new to gather on.
        #expect(!log.contains("in its 201"), "\(log)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
    }

    @Test func wrongTokenRefused() throws {
        let (answerer, port) = try Self.endpoint("whip", extra: ["--token", "right"])
        defer { answerer.kill() }
        let r = try CLI.run(["offer"] + Self.ice + ["--token", "wrong", "--signal", "whip+http://127.0.0.1:\(port)/"],
                            stdin: "", timeout: 20)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("401"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        // Without any token, likewise.
        let none = try CLI.run(["offer"] + Self.ice + ["--signal", "whip+http://127.0.0.1:\(port)/"], stdin: "", timeout: 20)
        #expect(none.status == 65 && none.stderr.contains("401"), "\(none.stderr)")
    }

    /// The endpoint played by hand: POST the offer of a stdio `rtc offer`, hand it the 201's
    /// answer, PATCH it (If-Match checked), then DELETE the resource while the channel is open:
    /// the answerer's session ends as if the peer closed (exit 0).
    @Test func deleteEndsTheEndpointsSession() throws {
        let (answerer, port) = try Self.endpoint("whip", extra: ["--count", "1", "--token", "t0k"])
        defer { answerer.kill() }
        let offerer = try PeerProcess(["offer"] + Self.ice + ["--json"])
        defer { offerer.kill() }
        let offerLine = try #require(offerer.nextLine(timeout: 10), "\(offerer.stderrText)")
        let sdp = try #require(try offerLine.jsonObject()["sdp"] as? String)
        let auth = ("Authorization", "Bearer t0k")
        let created = try HTTPTestClient.request(port: port, "POST", "/any/path", headers: [auth, ("Content-Type", "application/sdp")],
                                                 body: sdp)
        #expect(created.status == 201, "\(created)")
        #expect(created.headers["content-type"] == "application/sdp")
        #expect(created.headers["access-control-allow-origin"] == "*")
        let location = try #require(created.headers["location"])
        #expect(location.hasPrefix("/resource/"))
        let etag = try #require(created.headers["etag"])
        #expect(created.body.hasPrefix("v=0"))
        let answer = String(data: try JSONSerialization.data(withJSONObject: ["type": "answer", "sdp": created.body]), encoding: .utf8)!
        offerer.send(answer)
        #expect(try offerer.nextEvent("open", timeout: 15) != nil, "\(offerer.stderrText)")
        #expect(try answerer.nextEvent("open", timeout: 15) != nil, "\(answerer.stderrText)")
        offerer.send(#"{"data":"before delete"}"#)
        #expect(try answerer.nextEvent("message", timeout: 10)?["data"] as? String == "before delete")

        // A stale If-Match is refused (412); the right one, or none, is taken.
        let stale = try HTTPTestClient.request(port: port, "PATCH", location,
                                               headers: [auth, ("Content-Type", "application/trickle-ice-sdpfrag"),
                                                         ("If-Match", "\"stale\"")], body: "a=end-of-candidates\r\n")
        #expect(stale.status == 412)
        let patched = try HTTPTestClient.request(port: port, "PATCH", location,
                                                 headers: [auth, ("Content-Type", "application/trickle-ice-sdpfrag"),
                                                           ("If-Match", etag)], body: "a=end-of-candidates\r\n")
        #expect(patched.status == 204)
        let noAuth = try HTTPTestClient.request(port: port, "DELETE", location)
        #expect(noAuth.status == 401)
        let deleted = try HTTPTestClient.request(port: port, "DELETE", location, headers: [auth])
        #expect(deleted.status == 200)
        #expect(answerer.waitForExit(timeout: 10) == 0, "answerer: \(answerer.stderrText)")
        #expect(try offerer.nextEvent("close", timeout: 10) != nil, "\(offerer.stderrText)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 10) == 0, "offerer: \(offerer.stderrText)")
    }
}
