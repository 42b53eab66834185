import Foundation
import RTCTestSupport
import Testing
@testable import RTCCore
@testable import RTCSTUN
@testable import RTCTURN

/// The TURN client and NAT discovery against a real coturn on loopback.
@Suite(.serialized, .enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
struct TURNCoturnTests {
    /// Runs `body` on a fresh PollEventLoop and waits (with a deadline) for it to call `done`.
    private func onLoop(timeout: Double = 15, _ body: @escaping (PollEventLoop, @escaping () -> Void) throws -> Void) throws {
        let loop = PollEventLoop()
        loop.start(name: "turn-test")
        defer { loop.stop() }
        let finished = DispatchSemaphore(value: 0)
        // Safe: `body` runs once on the loop while this thread waits on `finished`; `thrown` is
        // written there before `signal` and read here after `wait` (a timeout fails the test).
        nonisolated(unsafe) let body = body
        nonisolated(unsafe) var thrown: Error?
        loop.execute {
            do { try body(loop) { finished.signal() } } catch {
                thrown = error
                finished.signal()
            }
        }
        #expect(finished.wait(timeout: .now() + timeout) == .success, "timed out")
        if let thrown { throw thrown }
    }

    @Test func relaysBothWaysViaIndicationsThenChannel() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let server = TransportAddress(ipv4: 127, 0, 0, 1, port: coturn.port)
        var log: [String] = []
        var failure: String?
        var relayedSeen: TransportAddress?
        var keep: [AnyObject] = []
        try onLoop { loop, done in
            let socket = try UDPSocket(loop: loop, bindTo: TransportAddress(ipv4: 127, 0, 0, 1, port: 0))
            let peer = try UDPSocket(loop: loop, bindTo: TransportAddress(ipv4: 127, 0, 0, 1, port: 0))
            let turn = TURNClient(loop: loop, socket: socket, server: server, username: coturn.user,
                                  password: coturn.password)
            keep = [socket, peer, turn]
            func fail(_ s: String) { failure = s; done() }
            var step = 0
            peer.onDatagram = { bytes, from in
                log.append("peer got \(String(decoding: bytes, as: UTF8.self)) from \(from)")
                relayedSeen = from
                peer.send(Array("pong\(step)".utf8), to: from)
            }
            turn.onData = { bytes, from in
                log.append("client got \(String(decoding: bytes, as: UTF8.self)) from \(from)")
                guard from == peer.localAddress else { return fail("data from \(from)") }
                if step == 0 {
                    step = 1
                    turn.bindChannel(peer.localAddress) { r in
                        guard case .success = r else { return fail("ChannelBind: \(r)") }
                        turn.send(Array("ping1".utf8), to: peer.localAddress)
                    }
                } else {
                    turn.close { done() }
                }
            }
            turn.allocate { r in
                guard case .success(let relayed) = r else { return fail("Allocate: \(r)") }
                log.append("relayed \(relayed)")
                turn.createPermission(peer.localAddress) { r in
                    guard case .success = r else { return fail("CreatePermission: \(r)") }
                    turn.send(Array("ping0".utf8), to: peer.localAddress)
                }
            }
        }
        #expect(failure == nil, "\(failure ?? "") \(log) \(coturn.log.suffix(3000))")
        let turn = try #require(keep.last as? TURNClient)
        #expect(turn.state == .closed)
        #expect(log.contains { $0.hasPrefix("peer got ping0") })
        #expect(log.contains { $0.hasPrefix("peer got ping1") })
        #expect(log.contains { $0.hasPrefix("client got pong0") })
        #expect(log.contains { $0.hasPrefix("client got pong1") })
        #expect(relayedSeen?.ip == [127, 0, 0, 1])
    }

    @Test func wrongPasswordIsUnauthorized() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let server = TransportAddress(ipv4: 127, 0, 0, 1, port: coturn.port)
        var result: Result<TransportAddress, TURNError>?
        var keep: [AnyObject] = []
        try onLoop { loop, done in
            let socket = try UDPSocket(loop: loop, bindTo: TransportAddress(ipv4: 127, 0, 0, 1, port: 0))
            let turn = TURNClient(loop: loop, socket: socket, server: server, username: coturn.user, password: "wrong")
            keep = [socket, turn]
            turn.allocate { result = $0; done() }
        }
        #expect(throws: TURNError.unauthorized) { try result?.get() }
    }

    @Test func natDiscoveryOnLoopbackIsOpenInternet() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let server = TransportAddress(ipv4: 127, 0, 0, 1, port: coturn.port)
        var result: NATBehaviorResult?
        var keep: [AnyObject] = []
        try onLoop { loop, done in
            let socket = try UDPSocket(loop: loop, bindTo: TransportAddress(ipv4: 127, 0, 0, 1, port: 0))
            let client = STUNClient(loop: loop, socket: socket)
            let d = NATBehaviorDiscovery(client: client, server: server, local: socket.localAddress,
                                         configuration: .init(testTimeout: .seconds(2)))
            keep = [socket, client, d]
            d.start { result = $0; done() }
        }
        let r = try #require(result)
        #expect(r.nat == .openInternet)
        #expect(r.mapping == .endpointIndependent)
        #expect(r.filtering == .endpointIndependent)
        #expect(r.otherAddress == "127.0.0.2:\(coturn.port + 1)")
    }
}
