import Foundation
import RTCTestSupport
import Testing

/// `rtc offer --signal whip+http://…` against a scripted HTTP server: a well-behaved endpoint
/// (relative and absolute Location, a 307 on the way, the token on every request, DELETE on
/// exit), with a stdio `rtc answer` behind it making the answers; and hostile ones, each ending
/// the offerer with its documented status and one stderr line.
@Suite struct WHIPClientCLITests {
    static let ice = ["--ice-host", "127.0.0.1", "--connect-timeout", "15"]

    /// Forwards POSTed offers to `answerer` (stdio signaling) and returns its answer as a 201;
    /// `links` go on the OPTIONS response, `createdLinks` on the 201; PATCHes get 204.
    // @unchecked Sendable is safe: `server` is set in `init`, before any request can reach the closures.
    final class ScriptedEndpoint: @unchecked Sendable {
        let answerer: PeerProcess
        var server: FakeHTTPServer!

        /// - Parameter restartLinks: `Link` headers on the 200 to an ICE restart's PATCH (then
        ///   answered with made-up credentials); without them a restart gets 204 like a trickle.
        init(location: @escaping @Sendable (UInt16) -> String, redirect: Bool, links: [String] = [],
             createdLinks: [String] = [], restartLinks: [String]? = nil) throws {
            let answerer = try PeerProcess(["answer"] + WHIPClientCLITests.ice + ["--json"])
            self.answerer = answerer
            let port = LockedPort()
            server = try FakeHTTPServer { r in
                switch (r.method, r.path) {
                case ("OPTIONS", _):
                    return FakeHTTPServer.response("204 No Content", headers: links.map { ("Link", $0) })
                case ("POST", "/whip") where redirect:
                    return FakeHTTPServer.response("307 Temporary Redirect", headers: [("Location", "/real/whip")])
                case ("POST", _):
                    let offer = try! JSONSerialization.data(withJSONObject: ["type": "offer", "sdp": r.body])
                    answerer.send(String(decoding: offer, as: UTF8.self))
                    guard let line = answerer.nextLine(timeout: 10),
                          let sdp = (try? line.jsonObject())?["sdp"] as? String else {
                        return FakeHTTPServer.response("500 Internal Server Error", body: "no answer")
                    }
                    return FakeHTTPServer.response("201 Created", headers: [("Content-Type", "application/sdp"),
                                                                          ("Location", location(port.value)), ("ETag", "\"e1\"")]
                                                       + createdLinks.map { ("Link", $0) },
                                                   body: sdp)
                case ("PATCH", _) where r.headers["if-match"] == "*" && restartLinks != nil:
                    return FakeHTTPServer.response("200 OK", headers: [("Content-Type", "application/trickle-ice-sdpfrag"),
                                                                     ("ETag", "\"e2\"")] + restartLinks!.map { ("Link", $0) },
                                                   body: "a=ice-ufrag:rst1\r\na=ice-pwd:0123456789abcdefghijklmn\r\n")
                case ("PATCH", _):
                    return FakeHTTPServer.response("204 No Content")
                case ("DELETE", _):
                    return FakeHTTPServer.response("200 OK")
                default:
                    return FakeHTTPServer.response("405 Method Not Allowed")
                }
            }
            port.value = server.port
        }
    }

    // @unchecked Sendable is safe: `v` is used only under `lock`.
    final class LockedPort: @unchecked Sendable {
        private let lock = NSLock()
        private var v: UInt16 = 0
        var value: UInt16 {
            get { lock.withLock { v } }
            set { lock.withLock { v = newValue } }
        }
    }

    /// Location relative ("res/1", resolved against the URL the 201 came from) or absolute;
    /// with `redirect` the endpoint first answers 307 (method and body kept).
    @Test(arguments: [("relative", false), ("absolute", false), ("relative", true)])
    func publishesThroughScriptedEndpoint(_ c: (location: String, redirect: Bool)) throws {
        let endpoint = try ScriptedEndpoint(location: { port in
            c.location == "relative" ? "res/1" : "http://127.0.0.1:\(port)/abs/res/1"
        }, redirect: c.redirect)
        defer {
            endpoint.server.stop()
            endpoint.answerer.kill()
        }
        let offerer = try openedOfferer(endpoint, ["--json", "-v", "--token", "tok-1"])
        defer { offerer.kill() }
        offerer.send(#"{"data":"via scripted whip"}"#)
        #expect(try endpoint.answerer.nextEvent("message", timeout: 10)?["data"] as? String == "via scripted whip")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")

        let expected = c.location == "absolute" ? "/abs/res/1" : (c.redirect ? "/real/res/1" : "/res/1")
        let delete = endpoint.server.waitForRequest(timeout: 5) { $0.method == "DELETE" }
        #expect(delete?.path == expected)
        let posts = endpoint.server.requests.filter { $0.method == "POST" }
        #expect(posts.map(\.path) == (c.redirect ? ["/whip", "/real/whip"] : ["/whip"]))
        for r in endpoint.server.requests {
            #expect(r.headers["authorization"] == "Bearer tok-1", "\(r.method) \(r.path)")
        }
        for p in posts {
            #expect(p.headers["content-type"] == "application/sdp")
            #expect(p.body.hasPrefix("v=0") && p.body.contains("a=candidate:"))
        }
    }

    /// The endpoint names a TURN server (coturn on loopback) in `Link: <turn:…>; rel="ice-server"`
    /// with credentials, beside ones this stack cannot use: the offerer, given no --turn, gathers
    /// a relay candidate through it (the offer carries it) and connects.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func iceServersFromLinkHeader() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let turn = "turn:127.0.0.1:\(coturn.port)?transport=udp"
        let endpoint = try ScriptedEndpoint(location: { _ in "/r/9" }, redirect: false, links: [
            #"<\#(turn)>; rel="ice-server"; username="\#(coturn.user)"; credential="\#(coturn.password)"; credential-type="password""#,
            #"<turns:127.0.0.1:5349?transport=tcp>; rel="ice-server"; username="u"; credential="p""#,
        ])
        defer {
            endpoint.server.stop()
            endpoint.answerer.kill()
        }
        let offerer = try openedOfferer(endpoint, ["--json", "-v"])
        defer { offerer.kill() }
        let post = try #require(endpoint.server.requests.first { $0.method == "POST" })
        #expect(post.body.contains(" typ relay "), "\(post.body)")
        #expect(offerer.stderrText.contains("using ICE server \(turn)"), "\(offerer.stderrText)")
        #expect(offerer.stderrText.contains("turns:127.0.0.1:5349?transport=tcp skipped"), "\(offerer.stderrText)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
    }

    /// RFC 9725 §4.6, servers named only in the 201 (none in OPTIONS): with --trickle the
    /// offerer gathers on them at once (a relay candidate through coturn) and PATCHes what it
    /// finds, its end-of-candidates held back from the offer until then; several `Link` headers
    /// and comma-separated values are read, unusable schemes skipped with a line.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func iceServersFromTheCreatedResponseTrickle() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let turn = "turn:127.0.0.1:\(coturn.port)?transport=udp"
        let endpoint = try ScriptedEndpoint(location: { _ in "/r/7" }, redirect: false, createdLinks: [
            #"<https://example.net/doc>; rel="help", <\#(turn)>; rel="ice-server"; username="\#(coturn.user)"; "#
                + #"credential="\#(coturn.password)"; credential-type="password""#,
            #"<stuns:127.0.0.1:5349>; rel="ice-server""#,
        ])
        defer {
            endpoint.server.stop()
            endpoint.answerer.kill()
        }
        let offerer = try openedOfferer(endpoint, ["--json", "-v", "--trickle"])
        defer { offerer.kill() }
        let ended = endpoint.server.waitForRequest(timeout: 10) { $0.method == "PATCH" && $0.body.contains("a=end-of-candidates") }
        #expect(ended != nil, "no end-of-candidates PATCH; stderr: \(offerer.stderrText)")
        let post = try #require(endpoint.server.requests.first { $0.method == "POST" })
        #expect(!post.body.contains("a=end-of-candidates") && !post.body.contains(" typ relay "), "\(post.body)")
        let patches = endpoint.server.requests.filter { $0.method == "PATCH" }
        let relay = patches.firstIndex { $0.body.contains(" typ relay ") }
        let end = patches.firstIndex { $0.body.contains("a=end-of-candidates") }
        #expect(relay != nil && end != nil && relay! <= end!, "\(patches.map(\.body))")
        #expect(patches.last?.body.contains("a=end-of-candidates") == true)
        #expect(offerer.stderrText.contains("offers ICE servers in its 201"), "\(offerer.stderrText)")
        #expect(offerer.stderrText.contains("using ICE server \(turn)"), "\(offerer.stderrText)")
        #expect(offerer.stderrText.contains("stuns:127.0.0.1:5349 skipped"), "\(offerer.stderrText)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
    }

    /// Without --trickle the offer went out complete, so the 201's servers wait: nothing is
    /// gathered on them until an ICE restart, whose PATCH then carries a relay candidate
    /// from them (the restart gathers on every known server).
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func iceServersFromTheCreatedResponseAtTheRestart() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let turn = "turn:127.0.0.1:\(coturn.port)"
        let endpoint = try ScriptedEndpoint(location: { _ in "/r/8" }, redirect: false, createdLinks: [
            #"<\#(turn)>; rel="ice-server"; username="\#(coturn.user)"; credential="\#(coturn.password)""#,
        ])
        defer {
            endpoint.server.stop()
            endpoint.answerer.kill()
        }
        let offerer = try openedOfferer(endpoint, ["--json", "-v"])
        defer { offerer.kill() }
        let post = try #require(endpoint.server.requests.first { $0.method == "POST" })
        #expect(post.body.contains("a=end-of-candidates") && !post.body.contains(" typ relay "), "\(post.body)")
        #expect(!offerer.stderrText.contains("TURN allocation on"), "\(offerer.stderrText)")
        offerer.send(#"{"type":"ice-restart"}"#)
        let restart = endpoint.server.waitForRequest(timeout: 10) { $0.method == "PATCH" && $0.headers["if-match"] == "*" }
        let body = try #require(restart?.body, "no restart PATCH; stderr: \(offerer.stderrText)")
        #expect(body.contains(" typ relay ") && body.contains("a=end-of-candidates"), "\(body)")
        #expect(offerer.stderrText.contains("TURN allocation on 127.0.0.1:\(coturn.port)"), "\(offerer.stderrText)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
    }

    /// coturn with a second user, "renewed", and an endpoint whose OPTIONS names coturn with its
    /// usual user and whose 201 (`inCreated`) or restart 200s name it with "renewed": a service
    /// renewing expiring TURN credentials.
    private func renewingEndpoint(path: String, inCreated: Bool) throws -> (Coturn, ScriptedEndpoint) {
        let coturn = try Coturn(extraUsers: ["renewed:fresh-secret"])
        let turn = "turn:127.0.0.1:\(coturn.port)"
        let renewed = [#"<\#(turn)>; rel="ice-server"; username="renewed"; credential="fresh-secret""#]
        do {
            let endpoint = try ScriptedEndpoint(location: { _ in path }, redirect: false, links: [
                #"<\#(turn)>; rel="ice-server"; username="\#(coturn.user)"; credential="\#(coturn.password)""#,
            ], createdLinks: inCreated ? renewed : [], restartLinks: inCreated ? nil : renewed)
            return (coturn, endpoint)
        } catch {
            coturn.stop()
            throw error
        }
    }

    /// "IP PORT" of each relay candidate in a request body.
    private func relayAddresses(_ body: String) -> [String] {
        body.split(whereSeparator: \.isNewline).filter { $0.contains(" typ relay ") }.compactMap { line in
            let f = line.split(separator: " ")
            return f.count > 5 ? "\(f[4]) \(f[5])" : nil
        }
    }

    /// RFC 9725 §4.6 with credentials that change: OPTIONS names coturn with one user, the 201
    /// the same server with another (a service renewing expiring credentials). With --trickle
    /// the allocation made with the first is released and made anew with the second at once:
    /// a second relay candidate follows by PATCH, and coturn saw the second user allocate.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func newTURNCredentialsInThe201ReplaceTheAllocation() throws {
        let (coturn, endpoint) = try renewingEndpoint(path: "/r/9", inCreated: true)
        defer {
            endpoint.server.stop()
            endpoint.answerer.kill()
            coturn.stop()
        }
        let offerer = try openedOfferer(endpoint, ["--json", "-v", "--trickle"])
        defer { offerer.kill() }
        #expect(offerer.waitForStderr(containing: "new credentials, releasing", timeout: 10), "\(offerer.stderrText)")
        // The first allocation's relay candidate, then the replacement's, go out by PATCH.
        var seen = Set<String>()
        _ = endpoint.server.waitForRequest(timeout: 10) { r in
            if r.method == "POST" || r.method == "PATCH" { seen.formUnion(relayAddresses(r.body)) }
            return seen.count >= 2
        }
        #expect(seen.count == 2, "\(seen); stderr: \(offerer.stderrText)")
        // Two allocations succeeded, the second after the first was released.
        let allocations = offerer.stderrText.components(separatedBy: "TURN allocation on 127.0.0.1:\(coturn.port): relayed")
        #expect(allocations.count == 3, "\(offerer.stderrText)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
    }

    /// Without --trickle, new credentials named by a restart's 200 wait for the next restart:
    /// it releases the allocation made with the old ones and allocates with the new, and its
    /// PATCH carries the new relay candidate.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func newTURNCredentialsFromARestartServeTheNextRestart() throws {
        let (coturn, endpoint) = try renewingEndpoint(path: "/r/10", inCreated: false)
        defer {
            endpoint.server.stop()
            endpoint.answerer.kill()
            coturn.stop()
        }
        let offerer = try openedOfferer(endpoint, ["--json", "-v"])
        defer { offerer.kill() }
        func relay(_ body: String) -> String? { relayAddresses(body).first }
        let post = try #require(endpoint.server.requests.first { $0.method == "POST" })
        let first = try #require(relay(post.body), "\(post.body)")
        offerer.send(#"{"type":"ice-restart"}"#)
        #expect(try offerer.nextEvent("ice-restart", timeout: 15)?["remoteUfrag"] as? String == "rst1", "\(offerer.stderrText)")
        #expect(!offerer.stderrText.contains("new credentials, releasing"), "not before the next restart")
        offerer.send(#"{"type":"ice-restart"}"#)
        let second = endpoint.server.waitForRequest(timeout: 15) { r in
            r.method == "PATCH" && r.headers["if-match"] == "*" && relay(r.body).map { $0 != first } == true
        }
        #expect(second != nil, "no restart PATCH with a new relay; stderr: \(offerer.stderrText)")
        #expect(offerer.stderrText.contains("new credentials, releasing"), "\(offerer.stderrText)")
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
    }

    /// RFC 8445 §9, RFC 8656 §8: an ICE restart refreshes the TURN allocation and offers its
    /// relayed candidate again; when the server lost it (coturn restarted on the same port) the
    /// refresh fails and an allocation made anew from the same socket brings a relay back.
    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"), arguments: ["refresh", "reallocate"])
    func restartRegathersRelayCandidates(_ mode: String) throws {
        let coturn = try Coturn()
        var servers = [coturn]
        defer { for c in servers { c.stop() } }
        let endpoint = try ScriptedEndpoint(location: { _ in "/r/5" }, redirect: false)
        defer {
            endpoint.server.stop()
            endpoint.answerer.kill()
        }
        let offerer = try openedOfferer(endpoint, ["--turn", "turn:127.0.0.1:\(coturn.port)", "--turn-user", coturn.user,
                                                   "--turn-pass", coturn.password, "--json", "-v"])
        defer { offerer.kill() }
        /// "IP PORT" of the relay candidate in an SDP body or fragment.
        func relay(_ body: String) -> String? {
            guard let line = body.split(whereSeparator: \.isNewline).first(where: { $0.contains(" typ relay ") })
            else { return nil }
            let f = line.split(separator: " ")
            return f.count > 5 ? "\(f[4]) \(f[5])" : nil
        }
        let post = try #require(endpoint.server.requests.first { $0.method == "POST" })
        let before = try #require(relay(post.body), "\(post.body)")
        if mode == "reallocate" {
            coturn.stop()
            servers.append(try Coturn(port: coturn.port))
        }
        offerer.send(#"{"type":"ice-restart"}"#)
        let restart = endpoint.server.waitForRequest(timeout: 15) { $0.method == "PATCH" && $0.headers["if-match"] == "*" }
        let body = try #require(restart?.body, "no restart PATCH; stderr: \(offerer.stderrText)")
        let after = try #require(relay(body), "no relay candidate in the restart: \(body)")
        if mode == "refresh" {
            #expect(after == before)
            #expect(!offerer.stderrText.contains("allocating anew"), "\(offerer.stderrText)")
        } else {
            #expect(offerer.stderrText.contains("at ICE restart failed"), "\(offerer.stderrText)")
            #expect(offerer.stderrText.contains("allocating anew"), "\(offerer.stderrText)")
        }
        offerer.closeStdin()
        #expect(offerer.waitForExit(timeout: 15) == 0, "offerer: \(offerer.stderrText)")
    }

    /// `rtc offer` against `endpoint` (its WHIP URL), returned once it and the endpoint's
    /// answerer both report the channel open.
    private func openedOfferer(_ endpoint: ScriptedEndpoint, _ options: [String]) throws -> PeerProcess {
        let offerer = try PeerProcess(["offer"] + Self.ice + options + ["--signal", "whip+\(endpoint.server.base)/whip"])
        do {
            for p in [offerer, endpoint.answerer] {
                #expect(try p.nextEvent("open", timeout: 15) != nil, "no open; stderr: \(p.stderrText)")
            }
        } catch {
            offerer.kill()
            throw error
        }
        return offerer
    }

    /// Endpoints that misbehave on the POST (OPTIONS is answered normally).
    @Test(arguments: [
        ("500", FakeHTTPServer.response("500 Internal Server Error", body: "boom"), Int32(69), "500"),
        ("503", FakeHTTPServer.response("503 Service Unavailable"), Int32(69), "503"),
        ("400", FakeHTTPServer.response("400 Bad Request", body: "bad offer\nsecond line"), Int32(65), "400"),
        ("403", FakeHTTPServer.response("403 Forbidden"), Int32(65), "403"),
        ("no Location", FakeHTTPServer.response("201 Created", headers: [("Content-Type", "application/sdp")], body: "v=0\r\n"),
         Int32(65), "Location"),
        ("no answer", FakeHTTPServer.response("201 Created", headers: [("Location", "/r/1")]), Int32(65), "without an SDP answer"),
        ("200 not 201", FakeHTTPServer.response("200 OK", body: "v=0\r\n"), Int32(65), "200"),
        // Not HTTP at all: no usable server there, 69 (as for an unreachable one).
        ("garbage", "SSH-2.0-OpenSSH_9.2\r\n\r\nnot http at all", Int32(69), "unreachable"),
    ])
    func hostileEndpoint(_ c: (name: String, reply: String, status: Int32, says: String)) throws {
        let server = try FakeHTTPServer { r in
            r.method == "OPTIONS" ? FakeHTTPServer.response("204 No Content") : c.reply
        }
        defer { server.stop() }
        let r = try CLI.run(["offer"] + Self.ice + ["--signal", "whip+\(server.base)/whip"], stdin: "", timeout: 30)
        #expect(r.status == c.status, "\(c.name): \(r.stderr)")
        #expect(r.stderr.contains(c.says), "\(c.name): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(c.name): \(r.stderr)")
        #expect(r.stdout.isEmpty)
        // Nothing was created, so nothing is deleted.
        #expect(!server.requests.contains { $0.method == "DELETE" })
    }

    /// A server that accepts and never answers: 124 once --signal-timeout has passed, not later.
    @Test(arguments: ["OPTIONS", "POST"])
    func silentEndpointTimesOut(_ silentOn: String) throws {
        let server = try FakeHTTPServer { r in
            r.method == silentOn ? nil : FakeHTTPServer.response("204 No Content")
        }
        defer { server.stop() }
        let start = Date()
        let r = try CLI.run(["offer"] + Self.ice + ["--signal-timeout", "2", "--signal", "whip+\(server.base)/whip"],
                            stdin: "", timeout: 30)
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.status == 124, "\(r.stderr)")
        #expect(r.stderr.contains("--signal-timeout"), "\(r.stderr)")
        #expect(elapsed >= 2 && elapsed < 8, "took \(elapsed) s")
    }

    /// HTTPS is verified against the system's trust store: an endpoint with a self-signed
    /// certificate (openssl s_server on loopback, Scripts/install-deps installs it) is refused,
    /// 69 with one line naming the cause.
    @Test func untrustedCertificateRefused() throws {
        let dir = try TestData.tempDir("whip-tls")
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = dir.appendingPathComponent("key.pem").path, cert = dir.appendingPathComponent("cert.pem").path
        let gen = Process()
        gen.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        gen.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                         "-addext", "subjectAltName=IP:127.0.0.1"]
        gen.standardError = FileHandle.nullDevice
        try gen.run()
        gen.waitUntilExit()
        #expect(gen.terminationStatus == 0)
        let port = TestData.freePort()
        let server = try PeerProcess(["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www"],
                                     executable: URL(fileURLWithPath: "/usr/bin/openssl"))
        defer { server.kill() }
        // s_server prints ACCEPT once it listens (after a line or two about its parameters).
        var accepting = false
        for _ in 0..<5 where !accepting { accepting = server.nextLine(timeout: 10) == "ACCEPT" }
        #expect(accepting, "openssl s_server: \(server.stderrText)")
        let r = try CLI.run(["offer"] + Self.ice + ["--signal", "whip+https://127.0.0.1:\(port)/whip"], stdin: "", timeout: 20)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.uppercased().contains("CERTIFICATE"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test func refusedConnectionIs69() throws {
        let port = TestData.freePort() // nothing listens there
        let r = try CLI.run(["offer"] + Self.ice + ["--signal", "whep+http://127.0.0.1:\(port)/whep"], stdin: "", timeout: 20)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("WHEP endpoint http://127.0.0.1:\(port)/whep"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }

    @Test(arguments: [
        (["offer", "--signal", "whip+ftp://x/y"], "--signal"),
        (["answer", "--signal", "whip+http://127.0.0.1:1/w"], "rtc offer"),
        (["offer", "--signal", "whip-listen://127.0.0.1:1"], "rtc answer"),
        (["offer", "--token", "x", "--signal", "ws://127.0.0.1:1/"], "--token"),
        (["offer", "--token", "two words", "--signal", "whip+http://127.0.0.1:1/w"], "--token"),
        (["send", "--signal", "whip+http://127.0.0.1:1/w", "/dev/null"], "WHIP/WHEP"),
    ])
    func usageErrors(_ c: (args: [String], says: String)) throws {
        let r = try CLI.run(c.args, stdin: "", timeout: 10)
        #expect(r.status == 64, "\(c.args): \(r.stderr)")
        #expect(r.stderr.contains(c.says), "\(c.args): \(r.stderr)")
    }
}
