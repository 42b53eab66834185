#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTC
@testable import RTCSignaling

/// Links of RTCSignaling without a session: the in-memory pair, a served tcp-listen URL with its
/// handshake gate (garbage dropped, a valid offer admitted), SignalURL parsing and errors.
@Suite struct SignalingLinkTests {
    /// Collects what a link delivers; `next` waits for the n-th item with a deadline.
    // @unchecked Sendable is safe: `messages` and `ends` are used only under `condition`.
    final class Inbox: @unchecked Sendable {
        let condition = Condition()
        var messages: [SignalingMessage] = []
        var ends: [SignalingError?] = []

        func start(_ link: SignalingLink) {
            link.start(onMessage: { [self] m in condition.withLock { messages.append(m); condition.broadcast() } },
                       onEnd: { [self] e in condition.withLock { ends.append(e); condition.broadcast() } })
        }

        /// Waits (at most 5 s) until `done` holds.
        func wait(_ done: (Inbox) -> Bool) -> Bool {
            let deadline = Deadline.after(5)
            condition.lock()
            defer { condition.unlock() }
            while !done(self) { if !condition.wait(until: deadline) { return done(self) } }
            return true
        }
    }

    static let offer = SignalingMessage.description(SessionDescriptionInit(type: .offer, sdp: "v=0\r\n"))

    @Test func memoryPairDeliversInOrderHoldsUntilStartAndEndsBothWays() {
        let (a, b) = MemorySignalingLink.pair()
        a.send(Self.offer)
        a.send(.endOfCandidates)  // sent before b started: held
        let inbox = Inbox()
        inbox.start(b)
        #expect(inbox.wait { $0.messages.count == 2 })
        #expect(inbox.messages == [Self.offer, .endOfCandidates])
        a.close()
        #expect(inbox.wait { $0.ends.count == 1 })
        #expect(inbox.ends.first! == nil)  // a clean end
    }

    @Test func signalURLParsesEveryFormAndRefusesOthers() {
        #expect(SignalURL("stdio") == .stdio)
        #expect(SignalURL("tcp://127.0.0.1:9") == .tcp(host: "127.0.0.1", port: 9))
        #expect(SignalURL("ws-listen://[::1]:80") == .wsListen(host: "::1", port: 80))
        #expect(SignalURL("ws://h:1/room") == .ws(host: "h", port: 1, path: "/room"))
        #expect(SignalURL("whep+https://example.com/x") == .whip(url: "https://example.com/x", kind: .whep))
        #expect(SignalURL("whip-listen://127.0.0.1:0") == .whipListen(host: "127.0.0.1", port: 0, kind: .whip))
        for bad in ["", "tcp://:1", "tcp://h", "tcp://h:99999", "udp://h:1", "whip+http:///x", "whip+ftp://h/x"] {
            #expect(SignalURL(bad) == nil, "\(bad)")
        }
        #expect(throws: SignalingFailure(.usage, "a whip+/whep+ URL is a WHIP/WHEP endpoint to send our offer to: use it with the offering side (rtc offer)")) {
            try SignalURL("whip+http://h/x")!.check(offering: false)
        }
        #expect(throws: SignalingFailure.self) { try SignalURL.tcpListen(host: "127.0.0.1", port: 0).connect(ConnectOptions()) }
    }

    /// A tcp-listen server answering: a connection that sends garbage is dropped by the gate
    /// without reaching the queue; one that sends a valid offer is handed over with it.
    @Test func servedTCPDropsGarbageAndAdmitsAnOffer() throws {
        let queue = LinkQueue()
        let server = try SignalURL.tcpListen(host: "127.0.0.1", port: 0)
            .serve(ServeOptions(expecting: .offer, signalTimeout: 5)) { queue.put($0) }
        defer { server.close() }
        #expect(server.port != 0)

        let garbage = try TCPSignalingConnection.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        try garbage.send(line: "this is not signaling")
        // The gate closes it: our read side ends.
        let closed = Inbox()
        closed.start(TCPSignalingLink(garbage))
        #expect(closed.wait { $0.ends.count == 1 })

        let good = try TCPSignalingConnection.connect(host: "127.0.0.1", port: server.port, timeout: 5)
        try good.send(line: Self.offer.aiortcLine())
        let admitted = try #require(queue.take())
        #expect(admitted.exchanged)
        let inbox = Inbox()
        inbox.start(admitted)
        #expect(inbox.wait { $0.messages.count == 1 })
        #expect(inbox.messages == [Self.offer])
        admitted.close()
        good.close()
        queue.stop()
        #expect(queue.take() == nil)
    }

    @Test func connectingToARefusingPortIsUnreachable() throws {
        let listener = try TCPSignalingListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()  // nothing listens there now
        do {
            _ = try SignalURL.tcp(host: "127.0.0.1", port: port).connect(ConnectOptions(connectTimeout: 0.3))
            Issue.record("connected to a closed port")
        } catch let e as SignalingFailure {
            #expect(e.kind == .unreachable)
        }
    }

    @Test func cancellationEndsAWebSocketConnectAtOnce() throws {
        let listener = try TCPSignalingListener(host: "127.0.0.1", port: 0)
        let port = listener.port
        listener.close()
        let cancellation = SignalingCancellation()
        startThread(name: "cancel") {
            var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            nanosleep(&pause, nil)
            cancellation.cancel(signal: SIGINT)
        }
        do {
            _ = try SignalURL.ws(host: "127.0.0.1", port: port, path: "/").connect(
                ConnectOptions(connectTimeout: 30, cancellation: cancellation))
            Issue.record("connected to a closed port")
        } catch let e as SignalingFailure {
            #expect(e.kind == .interrupted(signal: SIGINT))
        }
    }
}
