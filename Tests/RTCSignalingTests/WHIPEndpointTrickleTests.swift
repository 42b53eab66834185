import Testing
import RTC
import RTCSignaling
import RTCTestSupport

/// The endpoint's own candidates after its answer, in PATCH responses: rtc's extension of RFC
/// 9725 for a client whose POST accepts `application/trickle-ice-sdpfrag`. Played by a
/// hand-made HTTP client against the endpoint served in-process, the session's side driven by
/// hand on the admitted link.
@Suite struct WHIPEndpointTrickleTests {
    static let sdpType = ("Content-Type", "application/sdp")
    static let fragType = ("Content-Type", "application/trickle-ice-sdpfrag")
    static let acceptFrag = ("Accept", "application/trickle-ice-sdpfrag")
    static let host = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"
    static let relay = "candidate:2 1 udp 16777215 127.0.0.1 50002 typ relay raddr 127.0.0.1 rport 50000"
    static let srflx = "candidate:3 1 udp 1686052607 127.0.0.3 50003 typ srflx raddr 127.0.0.1 rport 50000"

    static func sdp(setup: String, ufrag: String, candidates: [String] = []) -> String {
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
            + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
            + candidates.map { "a=\($0)\r\n" }.joined()
            + "a=ice-ufrag:\(ufrag)\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n"
            + "a=setup:\(setup)\r\na=sctp-port:5000\r\n"
    }

    /// A fragment from the client: its ufrag, candidates and end.
    static func fragment(ufrag: String, _ candidates: [String] = [], end: Bool = false) -> String {
        "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\na=ice-ufrag:\(ufrag)\r\n"
            + "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" + candidates.map { "a=\($0)\r\n" }.joined()
            + (end ? "a=end-of-candidates\r\n" : "")
    }

    /// An endpoint, a client's POST (with `accept` headers) answered by hand with one host
    /// candidate and no end: the admitted link, the resource path and what reached the session.
    final class Resource: @unchecked Sendable {
        let server: SignalingServer
        let admitted = LinkQueue()
        let link: SignalingLink
        let path: String
        let etag: String
        let messages = Mailbox<SignalingMessage>()

        init(accept: [(String, String)]) throws {
            let admitted = admitted
            server = try SignalURL.whipListen(host: "127.0.0.1", port: 0, kind: .whip)
                .serve(ServeOptions(expecting: .offer, signalTimeout: 5)) { admitted.put($0) }
            let port = server.port
            let offer = WHIPEndpointTrickleTests.sdp(setup: "actpass", ufrag: "cli1")
            let post = TestThreadResult {
                try? HTTPTestClient.request(port: port, "POST", "/whip", headers: [WHIPEndpointTrickleTests.sdpType] + accept,
                                            body: offer)
            }
            link = try #require(admitted.take())
            let messages = messages
            link.acceptICERestarts { _, reply in
                reply(PeerConnection.ICEParameters(ufrag: "srv2", password: "0123456789abcdefghijklmn",
                                                   candidates: [ICECandidateInit(candidate: WHIPEndpointTrickleTests.host,
                                                                                 sdpMid: "0", sdpMLineIndex: 0)]))
            }
            link.start(onMessage: { messages.put($0) }, onEnd: { _ in })
            link.send(.description(SessionDescriptionInit(
                type: .answer, sdp: WHIPEndpointTrickleTests.sdp(setup: "active", ufrag: "srv1",
                                                                 candidates: [WHIPEndpointTrickleTests.host]))))
            let created = try #require(post.value(within: 5) ?? nil)
            #expect(created.status == 201)
            path = try #require(created.headers["location"])
            etag = try #require(created.headers["etag"])
        }

        func patch(_ body: String, accept: Bool = true, headers: [(String, String)] = []) throws -> HTTPTestClient.Response {
            try HTTPTestClient.request(port: server.port, "PATCH", path,
                                       headers: [WHIPEndpointTrickleTests.fragType] + (accept ? [WHIPEndpointTrickleTests.acceptFrag] : [])
                                           + headers,
                                       body: body)
        }

        func close() {
            link.close()
            server.close()
            admitted.stop()
        }
    }

    /// What a 200's fragment says: its ufrag, candidates and end.
    static func parsed(_ r: HTTPTestClient.Response) throws -> TrickleICEFragment {
        #expect(r.status == 200, "\(r.status) \(r.body)")
        #expect(r.headers["content-type"] == "application/trickle-ice-sdpfrag")
        #expect(r.headers["etag"] == nil, "RFC 9725 §4.3.2: no ETag on a trickle PATCH's response")
        return try TrickleICEFragment.parse(r.body)
    }

    /// A client that asks (POST and PATCH `Accept`) gets the candidates gathered since it was
    /// last told — never one the answer carried — then the end, then 204 once it knows all.
    @Test func candidatesAfterTheAnswerGoToTheClientInPATCHResponses() throws {
        let r = try Resource(accept: [("Accept", "application/sdp, application/trickle-ice-sdpfrag")])
        defer { r.close() }
        #expect(r.link.trickleToPeer)
        r.link.send(.candidate(ICECandidateInit(candidate: Self.host, sdpMid: "0", sdpMLineIndex: 0)))  // in the answer
        r.link.send(.candidate(ICECandidateInit(candidate: Self.relay, sdpMid: "0", sdpMLineIndex: 0)))
        let first = try Self.parsed(r.patch(Self.fragment(ufrag: "cli1", [Self.host]), headers: [("If-Match", r.etag)]))
        #expect(first.ufrag == "srv1" && first.pwd == "abcdefghijklmnopqrstuvwx")
        #expect(first.candidateInits.map(\.candidate) == [Self.relay])
        #expect(!first.endOfCandidates)
        // The client's candidate reached the session as a trickled one.
        guard case let .candidate(c)? = r.messages.wait(for: 2, within: 5).dropFirst().first else {
            Issue.record("\(r.messages.items)")
            return
        }
        #expect(c.candidate == Self.host)

        // Nothing new while gathering goes on: held, and answered with whatever comes (here the
        // srflx candidate and the end, whether they come before or during the hold).
        let held = TestThreadResult { try? r.patch(Self.fragment(ufrag: "cli1", end: true)) }
        r.link.send(.candidate(ICECandidateInit(candidate: Self.srflx, sdpMid: "0", sdpMLineIndex: 0)))
        r.link.send(.endOfCandidates)
        var got = try Self.parsed(try #require(held.value(within: 5) ?? nil))
        var candidates = got.candidateInits.map(\.candidate)
        if !got.endOfCandidates {
            // The srflx candidate woke the held PATCH before the end came: the end follows.
            got = try Self.parsed(r.patch(Self.fragment(ufrag: "cli1")))
            candidates += got.candidateInits.map(\.candidate)
        }
        #expect(candidates == [Self.srflx] && got.endOfCandidates)
        // Everything told: 204 without a body.
        let done = try r.patch(Self.fragment(ufrag: "cli1"))
        #expect(done.status == 204 && done.body.isEmpty)
    }

    /// With nothing new, a PATCH is held `pollHold` (2 s) and answered with a fragment without
    /// candidates (more to come); a PATCH without `Accept` gets 204 whatever is untold.
    @Test func aHeldPATCHEndsEmptyAndOnlyAskingClientsGetCandidates() throws {
        let r = try Resource(accept: [("Accept", "application/sdp, application/trickle-ice-sdpfrag")])
        defer { r.close() }
        let started = Deadline.now
        let empty = try Self.parsed(r.patch(Self.fragment(ufrag: "cli1")))
        let held = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1e9
        #expect(held >= 1.5, "held \(held) s")
        #expect(empty.ufrag == "srv1" && empty.candidateInits.isEmpty && !empty.endOfCandidates)
        r.link.send(.candidate(ICECandidateInit(candidate: Self.relay, sdpMid: "0", sdpMLineIndex: 0)))
        let plain = try r.patch(Self.fragment(ufrag: "cli1"), accept: false)
        #expect(plain.status == 204 && plain.body.isEmpty)
        #expect(try Self.parsed(r.patch(Self.fragment(ufrag: "cli1"))).candidateInits.map(\.candidate) == [Self.relay])
    }

    /// A client that does not ask gets RFC 9725: the session does not trickle to it, and its
    /// PATCHes get 204 without a body even when they accept fragments.
    @Test func aClientThatDoesNotAskGetsRFC9725() throws {
        let r = try Resource(accept: [])
        defer { r.close() }
        #expect(!r.link.trickleToPeer)
        let plain = try r.patch(Self.fragment(ufrag: "cli1", [Self.host], end: true))
        #expect(plain.status == 204 && plain.body.isEmpty)
    }

    /// An ICE restart's 200 carries our new credentials and candidates; what is gathered after
    /// it goes out in the next trickle PATCH's response, with the new credentials, and nothing
    /// of the old generation.
    @Test func candidatesAfterARestartFollowInPATCHResponses() throws {
        let r = try Resource(accept: [("Accept", "application/sdp, application/trickle-ice-sdpfrag")])
        defer { r.close() }
        r.link.send(.candidate(ICECandidateInit(candidate: Self.srflx, sdpMid: "0", sdpMLineIndex: 0)))  // old generation
        let restarted = try r.patch(Self.fragment(ufrag: "cli2"), headers: [("If-Match", "*")])
        #expect(restarted.status == 200, "\(restarted.body)")
        let theirs = try TrickleICEFragment.parse(restarted.body)
        #expect(theirs.ufrag == "srv2" && theirs.candidateInits.map(\.candidate) == [Self.host])
        #expect(restarted.headers["etag"] != nil && restarted.headers["etag"] != r.etag)
        r.link.send(.candidate(ICECandidateInit(candidate: Self.relay, sdpMid: "0", sdpMLineIndex: 0)))
        r.link.send(.endOfCandidates)
        let next = try Self.parsed(r.patch(Self.fragment(ufrag: "cli2")))
        #expect(next.ufrag == "srv2" && next.pwd == "0123456789abcdefghijklmn")
        #expect(next.candidateInits.map(\.candidate) == [Self.relay] && next.endOfCandidates)
    }
}
