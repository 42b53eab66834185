#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTC
import RTCSession
import RTCSignaling

/// Sessions over real signaling transports in one process: a listener serving several sessions
/// (`SessionServer`, tcp-listen on a port the system picks), and links that send garbage.
@Suite struct SessionServerTests {
    static func loopback() -> PeerConnection.Configuration { PeerSessionTests.loopback() }

    /// An offering client session that sends `text` once open and ends when its channel closes.
    static func client(port: UInt16, text: String) -> PeerSession {
        let session = PeerSession(SessionConfiguration(
            role: .offer, peerConnection: Self.loopback(), signal: .tcp(host: "127.0.0.1", port: port),
            connect: ConnectOptions(connectTimeout: 5), channels: [ChannelSpec(label: "c")], connectTimeout: 5))
        session.onStarted = {
            startThread(name: "client-input") {
                session.sendBlocking(.text(text))
                session.endInput()
            }
        }
        return session
    }

    @Test func listenerServesCountSessionsAndSkipsAGarbagePeer() throws {
        let received = LockedList()
        let server = SessionServer(url: .tcpListen(host: "127.0.0.1", port: 0),
                                   options: ServeOptions(expecting: .offer, signalTimeout: 5), count: 2) { _ in
            let s = PeerSession(SessionConfiguration(role: .answer, peerConnection: Self.loopback(), connectTimeout: 5))
            s.onEvent = { if case let .message(_, _, .text(t)) = $0 { received.append(t) } }
            return s
        }
        let ended = LockedList()
        server.onSessionEnd = { (n: Int, e: SessionError?) in ended.append("\(n):\(e.map { "\($0)" } ?? "ok")") }
        let port = try server.listen()
        #expect(port != 0)
        let serving = TestThread { server.run() }

        // Garbage first: dropped by the gate, never a session.
        let garbage = try TCPSignalingConnection.connect(host: "127.0.0.1", port: port, timeout: 5)
        try garbage.send(line: "{\"type\": 42}")
        for i in 1...2 {
            #expect(Self.client(port: port, text: "hello \(i)").run() == nil)
        }
        #expect(serving.join(within: 10))
        garbage.close()
        #expect(ended.items == ["1:ok", "2:ok"])
        #expect(received.items == ["hello 1", "hello 2"])
    }

    /// A peer that answers our offer with garbage ends the session with `.badInput`.
    @Test func garbageFromTheSignalingPeerIsBadInput() throws {
        let listener = try TCPSignalingListener(host: "127.0.0.1", port: 0)
        defer { listener.close() }
        let port = listener.port
        let peer = TestThread {
            guard let c = listener.accept() else { return }
            c.startReading(onLine: { _ in try? c.send(line: "garbage, not JSON") }, onEnd: { _ in })
        }
        let session = PeerSession(SessionConfiguration(
            role: .offer, peerConnection: Self.loopback(), signal: .tcp(host: "127.0.0.1", port: port),
            connect: ConnectOptions(connectTimeout: 5), channels: [ChannelSpec(label: "c")], connectTimeout: 5))
        let outcome = session.run()
        guard case let .badInput(message)? = outcome else {
            Issue.record("expected badInput, got \(String(describing: outcome))")
            return
        }
        #expect(message.hasPrefix("bad signaling message"))
        #expect(peer.join(within: 5))
    }

    /// Nobody answers: the connect timeout names the phase it stopped in.
    @Test func silentPeerTimesOutNamingSignaling() {
        let (a, _) = MemorySignalingLink.pair()
        let session = PeerSession(SessionConfiguration(role: .offer, peerConnection: Self.loopback(),
                                                       channels: [ChannelSpec(label: "c")], connectTimeout: 0.3), link: a)
        guard case let .timeout(message)? = session.run() else {
            Issue.record("expected a timeout")
            return
        }
        #expect(message.contains("timed out after 0.3 s"))
    }
}

/// Strings appended from any thread.
// @unchecked Sendable is safe: `list` is used only under `lock`.
final class LockedList: @unchecked Sendable {
    private let lock = Lock()
    private var list: [String] = []
    func append(_ s: String) { lock.withLock { list.append(s) } }
    var items: [String] { lock.withLock { list } }
}

/// A thread whose end can be awaited with a bound.
// @unchecked Sendable is safe: `done` is used only under `condition`.
final class TestThread: @unchecked Sendable {
    private let condition = Condition()
    private var done = false

    init(_ body: @escaping @Sendable () -> Void) {
        startThread(name: "test") { [self] in
            body()
            condition.withLock {
                done = true
                condition.broadcast()
            }
        }
    }

    func join(within seconds: Double) -> Bool {
        let deadline = Deadline.after(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !done { if !condition.wait(until: deadline) { return done } }
        return true
    }
}
