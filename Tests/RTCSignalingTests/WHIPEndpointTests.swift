import Testing
import RTC
import RTCSignaling
import RTCTestSupport

/// The WHIP/WHEP endpoint (RFC 9725 §4) served in-process on a port the system picks, played
/// against by a hand-made HTTP client (moved from the CLI tests: it tests library code).
@Suite struct WHIPEndpointTests {
    /// The endpoint's refusals: each a status and a one-line body, the endpoint still serving.
    @Test func endpointRefusesBadRequests() throws {
        let admitted = LinkQueue()
        let server = try SignalURL.whipListen(host: "127.0.0.1", port: 0, kind: .whip)
            .serve(ServeOptions(expecting: .offer, signalTimeout: 5, token: "tk")) { admitted.put($0) }
        defer {
            server.close()
            admitted.stop()
        }
        let port = server.port
        let auth = ("Authorization", "Bearer tk")
        let sdpType = ("Content-Type", "application/sdp")
        func check(_ method: String, _ path: String, _ headers: [(String, String)], _ body: String, _ status: Int,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try HTTPTestClient.request(port: port, method, path, headers: headers, body: body)
            #expect(r.status == status, "\(method) \(path): \(r.status) \(r.body)", sourceLocation: sourceLocation)
            #expect(r.headers["access-control-allow-origin"] == "*", sourceLocation: sourceLocation)
            #expect(r.body.filter { $0 == "\n" }.count <= 1, "\(r.body)", sourceLocation: sourceLocation)
        }
        try check("GET", "/", [auth], "", 405)
        try check("POST", "/", [auth, ("Content-Type", "text/plain")], "v=0", 415)
        try check("POST", "/", [sdpType], "v=0", 401)
        try check("POST", "/", [("Authorization", "Bearer other"), sdpType], "v=0", 401)
        try check("POST", "/", [("Authorization", "Basic dGs="), sdpType], "v=0", 401)
        try check("POST", "/", [auth, sdpType], "this is not SDP", 400)
        try check("POST", "/", [auth, sdpType], String(repeating: "a", count: (1 << 20) + 1), 413)
        try check("PATCH", "/resource/nope", [auth, ("Content-Type", "application/trickle-ice-sdpfrag")], "", 404)
        try check("DELETE", "/resource/nope", [auth], "", 404)
        try check("POST", "/resource/nope", [auth, sdpType], "v=0", 405)
        // The CORS preflight needs no token and names what a browser page may send and read.
        let pre = try HTTPTestClient.request(port: port, "OPTIONS", "/whip",
                                             headers: [("Origin", "http://page.example"),
                                                       ("Access-Control-Request-Method", "POST")])
        #expect(pre.status == 204)
        #expect(pre.headers["accept-post"] == "application/sdp")
        for m in ["POST", "PATCH", "DELETE"] { #expect(pre.headers["access-control-allow-methods"]?.contains(m) == true) }
        for h in ["Authorization", "Content-Type", "If-Match"] {
            #expect(pre.headers["access-control-allow-headers"]?.contains(h) == true)
        }
        for h in ["Location", "ETag", "Link"] { #expect(pre.headers["access-control-expose-headers"]?.contains(h) == true) }
        // Still serving: a valid offer is admitted as a link carrying it.
        let offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
            + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
            + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
            + "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
            + "a=setup:actpass\r\na=sctp-port:5000\r\n"
        let client = TestThreadResult { try? HTTPTestClient.request(port: port, "POST", "/", headers: [auth, sdpType], body: offer) }
        let link = try #require(admitted.take())
        #expect(link.exchanged)
        link.close()  // no answer: the POST gets 503
        #expect(client.value(within: 5)??.status == 503)
    }
}

extension WHIPEndpointTests {
    /// RFC 9725 §4.6: the endpoint names its STUN/TURN servers in `Link` headers on the 201 and
    /// on the endpoint's OPTIONS (there, with a token, only to a request that shows it), one
    /// header per server, TURN ones with their credentials; never on a resource's OPTIONS.
    @Test func endpointOffersItsICEServers() throws {
        let servers = ICEServerLink.configured(stun: ["stun:127.0.0.1:3478"], turn: ["turn:127.0.0.1:3479?transport=udp"],
                                               turnUsername: "alice", turnPassword: #"se"cret"#)
        var options = ServeOptions(expecting: .offer, signalTimeout: 5, token: "tk")
        options.iceServers = servers
        let admitted = LinkQueue()
        let server = try SignalURL.whipListen(host: "127.0.0.1", port: 0, kind: .whip).serve(options) { admitted.put($0) }
        defer {
            server.close()
            admitted.stop()
        }
        let auth = ("Authorization", "Bearer tk")
        let expected = [#"<stun:127.0.0.1:3478>; rel="ice-server""#,
                        #"<turn:127.0.0.1:3479?transport=udp>; rel="ice-server"; username="alice"; "#
                            + #"credential="se\"cret"; credential-type="password""#]

        let asked = try HTTPTestClient.request(port: server.port, "OPTIONS", "/whip", headers: [auth])
        #expect(asked.status == 204)
        #expect(asked.values("link") == expected)
        #expect(ICEServerLink.parse(asked.values("link")) == servers)
        // A browser's preflight carries no token: no credentials for it.
        let preflight = try HTTPTestClient.request(port: server.port, "OPTIONS", "/whip",
                                                   headers: [("Origin", "http://page.example")])
        #expect(preflight.status == 204 && preflight.values("link").isEmpty)
        let resource = try HTTPTestClient.request(port: server.port, "OPTIONS", "/resource/x", headers: [auth])
        #expect(resource.status == 204 && resource.values("link").isEmpty)

        func sdp(setup: String) -> String {
            "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
                + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
                + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:\(setup)\r\na=sctp-port:5000\r\n"
        }
        let offer = sdp(setup: "actpass")
        let port = server.port
        let client = TestThreadResult {
            try? HTTPTestClient.request(port: port, "POST", "/", headers: [auth, ("Content-Type", "application/sdp")],
                                        body: offer)
        }
        let link = try #require(admitted.take())
        link.start(onMessage: { _ in }, onEnd: { _ in })
        link.send(.description(SessionDescriptionInit(type: .answer, sdp: sdp(setup: "active"))))
        let created = try #require(client.value(within: 5) ?? nil)
        #expect(created.status == 201)
        #expect(created.values("link") == expected)
        #expect(created.values("location").count == 1)
        link.close()
    }
}

/// A value computed on a thread of its own, awaited with a bound.
// @unchecked Sendable is safe: `result` is used only under `condition`.
final class TestThreadResult<T>: @unchecked Sendable {
    private let condition = Condition()
    private var result: T?

    init(_ body: @escaping @Sendable () -> T) {
        startThread(name: "test") { [self] in
            let r = body()
            condition.withLock {
                result = r
                condition.broadcast()
            }
        }
    }

    func value(within seconds: Double) -> T? {
        let deadline = Deadline.after(seconds)
        condition.lock()
        defer { condition.unlock() }
        while result == nil { if !condition.wait(until: deadline) { break } }
        return result
    }
}
