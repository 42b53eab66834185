import Testing
import RTC
import RTCSignaling
import RTCTestSupport

/// `WHIPClientLink` against the in-process endpoint (`whip-listen` on a port the system picks):
/// which STUN/TURN servers the client takes from the endpoint (RFC 9725 §4.6), and what it
/// PATCHes after an ICE restart (§4.4.1).
@Suite struct WHIPClientLinkTests {
    static let servers = ICEServerLink.configured(stun: ["stun:127.0.0.1:3478"], turn: ["turn:127.0.0.1:3479"],
                                                  turnUsername: "u", turnPassword: "p")

    static func sdp(_ setup: String, ufrag: String, trickle: Bool = false) -> String {
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
            + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
            + "a=ice-ufrag:\(ufrag)\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" + (trickle ? "a=ice-options:trickle\r\n" : "")
            + "a=setup:\(setup)\r\na=sctp-port:5000\r\n"
    }

    /// An endpoint offering `servers`, a client connected to it (`useServers`: the application
    /// named none), the offer POSTed and answered; `serverMessages` holds what reached the
    /// endpoint's session, `restarts` counts the restarts it was asked for.
    final class Pair: @unchecked Sendable {
        let server: SignalingServer
        let admitted = LinkQueue()
        let client: WHIPClientLink
        let served: SignalingLink
        let serverMessages = Mailbox<SignalingMessage>()
        let restarts = Mailbox<Int>()
        let answers = Mailbox<SessionDescriptionInit>()
        /// The endpoint's candidates and end, as the client delivered them.
        let candidates = Mailbox<SignalingMessage>()

        init(useServers: Bool, trickle: Bool = false) throws {
            var options = ServeOptions(expecting: .offer, signalTimeout: 5)
            options.iceServers = WHIPClientLinkTests.servers
            let admitted = admitted
            server = try SignalURL.whipListen(host: "127.0.0.1", port: 0, kind: .whip).serve(options) { admitted.put($0) }
            client = try WHIPClientLink(endpoint: "http://127.0.0.1:\(server.port)/whip", kind: .whip,
                                        options: ConnectOptions(connectTimeout: 5, signalTimeout: 5, fetchICEServers: useServers))
            let answers = answers, candidates = candidates
            client.start(onMessage: { m in
                if case let .description(d) = m { answers.put(d) } else { candidates.put(m) }
            }, onEnd: { _ in })
            client.send(.description(SessionDescriptionInit(
                type: .offer, sdp: WHIPClientLinkTests.sdp("actpass", ufrag: "cli1", trickle: trickle))))
            served = try #require(admitted.take())
            let messages = serverMessages, restarts = restarts
            served.acceptICERestarts { _, reply in
                restarts.put(1)
                reply(PeerConnection.ICEParameters(ufrag: "srv2", password: "0123456789abcdefghijklmn",
                                                   candidates: [], endOfCandidates: true))
            }
            served.start(onMessage: { m in messages.put(m) }, onEnd: { _ in })
            served.send(.description(SessionDescriptionInit(type: .answer, sdp: WHIPClientLinkTests.sdp("active", ufrag: "srv1"))))
        }

        var answer: SessionDescriptionInit? { answers.wait(for: 1, within: 5).first }

        func close() {
            client.release()
            served.close()
            server.close()
            admitted.stop()
        }
    }

    /// Servers from OPTIONS are the link's `iceServers`; the 201 names the same ones, so none
    /// come later. A client with its own servers takes none of the endpoint's (§4.6: the client's
    /// configuration overrides them) and holds no end-of-candidates for them.
    @Test(arguments: [true, false])
    func endpointServersTakenUnlessTheClientHasItsOwn(useServers: Bool) throws {
        let p = try Pair(useServers: useServers)
        defer { p.close() }
        #expect(p.answer?.type == .answer)
        #expect(p.client.iceServers == (useServers ? Self.servers : []))
        #expect(p.client.answerICEServers == [])
        #expect(p.client.answerMayNameICEServers == useServers)
        #expect(!p.served.trickleToPeer, "an offer without a=ice-options:trickle asks for no later candidates")
    }

    /// A trickling client takes the endpoint's candidates from the 200 to its trickle PATCH and,
    /// while the endpoint has more to come, asks again (a PATCH without candidates) until the end.
    @Test func endpointCandidatesInPATCHResponsesReachTheSession() throws {
        let p = try Pair(useServers: false, trickle: true)
        defer { p.close() }
        #expect(p.answer != nil)
        #expect(p.served.trickleToPeer)
        let relay = "candidate:2 1 udp 16777215 127.0.0.1 50002 typ relay raddr 127.0.0.1 rport 50000"
        p.served.send(.candidate(ICECandidateInit(candidate: relay, sdpMid: "0", sdpMLineIndex: 0)))
        p.client.send(.endOfCandidates)  // our end goes by PATCH; its 200 brings the relay candidate
        let first = p.candidates.wait(for: 1, within: 5)
        #expect(first.count == 1)
        guard case let .candidate(c)? = first.first else { Issue.record("\(first)"); return }
        #expect(c.candidate == relay && c.sdpMid == "0")
        // More was to come: the client asked again, and the end answers it.
        p.served.send(.endOfCandidates)
        let all = p.candidates.wait(for: 2, within: 5)
        #expect(all.count == 2)
        guard case .endOfCandidates? = all.dropFirst().first else { Issue.record("\(all)"); return }
    }

    /// After a restart, trickled candidates and the end go with the new credentials: they reach
    /// the endpoint's session as candidates, not as a request for another restart.
    @Test func trickleAfterARestartCarriesTheNewCredentials() throws {
        let p = try Pair(useServers: false)
        defer { p.close() }
        #expect(p.answer != nil)
        let theirs = Mailbox<PeerConnection.ICEParameters?>()
        p.client.requestICERestart(PeerConnection.ICEParameters(ufrag: "cli2", password: "zyxwvutsrqponmlkjihgfedc")) {
            theirs.put($0)
        }
        #expect(theirs.wait(for: 1, within: 5).first??.ufrag == "srv2")
        let candidate = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host"
        p.client.send(.candidate(ICECandidateInit(candidate: candidate, sdpMid: "0", sdpMLineIndex: 0)))
        p.client.send(.endOfCandidates)
        let messages = p.serverMessages.wait(for: 3, within: 5)
        #expect(messages.count == 3, "\(messages)")
        if messages.count == 3 {
            guard case let .candidate(c) = messages[1] else { Issue.record("\(messages)"); return }
            #expect(c.candidate == candidate)
            guard case .endOfCandidates = messages[2] else { Issue.record("\(messages)"); return }
        }
        #expect(p.restarts.items.count == 1)
    }
}

/// Values put from any thread, awaited with a bound.
final class Mailbox<T>: @unchecked Sendable {
    private let condition = Condition()
    private var values: [T] = []

    func put(_ v: T) {
        condition.withLock {
            values.append(v)
            condition.broadcast()
        }
    }

    var items: [T] { condition.withLock { values } }

    /// The values once there are `count` of them, or those there are after `seconds`.
    func wait(for count: Int, within seconds: Double) -> [T] {
        let deadline = Deadline.after(seconds)
        return condition.withLock {
            while values.count < count { if !condition.wait(until: deadline) { break } }
            return values
        }
    }
}
