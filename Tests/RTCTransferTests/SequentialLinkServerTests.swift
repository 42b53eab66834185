import Dispatch
import Testing
import RTC
import RTCSignaling
import RTCTransfer
import RTCTestSupport

/// `rtc send`'s server loop as a library: peers of tcp-listen:// one after another, garbage never
/// a session, the worst status returned.
@Suite struct SequentialLinkServerTests {
    @Test func servesLimitSessionsInOrderAndSkipsGarbage() throws {
        let server = SequentialLinkServer()
        let port = try server.listen(.tcpListen(host: "127.0.0.1", port: 0),
                                     options: ServeOptions(expecting: .offer, signalTimeout: 30))
        #expect(port != 0)
        let sdp = try SDPCorpus.text("chromium-datachannel-offer.sdp")
        let offer = JSONValue.object(["sdp": .string(sdp), "type": .string("offer")]).jsonText

        // Garbage first: the gate drops it before it can take a turn.
        let garbage = try TCPSignalingConnection.connect(host: "127.0.0.1", port: port, timeout: 5)
        try garbage.send(line: "{\"type\": 42}")
        var clients: [TCPSignalingConnection] = []
        for _ in 0..<2 {
            let c = try TCPSignalingConnection.connect(host: "127.0.0.1", port: port, timeout: 5)
            try c.send(line: offer)
            clients.append(c)
        }

        let log = Locked<[String]>([])
        // `run` waits for peers as long as it serves: should a peer not be admitted (a stopped
        // server's accept thread once took one, TCPSignalingTests.acceptAfterClose...), the
        // watchdog stops the server and the expectations below fail instead of hanging.
        let watchdog = DispatchWorkItem { server.stop() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        defer { watchdog.cancel() }
        let worst = server.run(limit: 2, session: { link, index in
            let got = DispatchSemaphore(value: 0)
            link.start(onMessage: { m in
                if case .description = m { got.signal() }
            }, onEnd: { _ in })
            let offered = got.wait(timeout: .now() + 30) == .success
            log.withLock { $0.append("session \(index) offered \(offered)") }
            link.close()
            return index == 1 ? 0 : 3
        }, uncounted: {
            log.withLock { $0.append("uncounted") }
        }, ended: { index, status in
            log.withLock { $0.append("ended \(index) \(status)") }
        })
        #expect(worst == 3)
        #expect(log.withLock { $0 } == ["session 1 offered true", "ended 1 0", "session 2 offered true", "ended 2 3"])
        for c in clients { c.close() }
        garbage.close()
    }

    @Test func stopEndsAnIdleServer() throws {
        let server = SequentialLinkServer()
        try server.listen(.tcpListen(host: "127.0.0.1", port: 0), options: ServeOptions(expecting: .offer))
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Int32?>(nil)
        startThread(name: "serve") {
            let status = server.run(limit: 0, session: { _, _ in 9 })
            result.withLock { $0 = status }
            done.signal()
        }
        server.stop()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(result.withLock { $0 } == 0)
        #expect(server.isStopped)
    }
}

/// A value shared between threads under a lock.
// @unchecked Sendable is safe: `value` is used only under `lock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = Lock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}
