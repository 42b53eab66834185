import Testing
@testable import RTCCore
@testable import RTCICE
import RTCTestSupport

/// The borrowing receive path of `UDPSocket` and `ICEAgent` (the media path's: no array per
/// datagram), on real loopback sockets.
@Suite struct UDPSocketBorrowingTests {
    static let loopback = TransportAddress(host: "127.0.0.1", port: 0)!

    /// Each datagram reaches the borrowing receiver with its own sender, also when senders
    /// alternate (the socket reuses the last sender's address only while it is the same); setting
    /// `onDatagram` afterwards replaces the borrowing receiver.
    @Test func borrowingReceiverGetsEachDatagramWithItsSender() throws {
        let h = RealLoop()
        defer { h.stop() }
        var got: [([UInt8], TransportAddress)] = []
        var arrays: [[UInt8]] = []
        let (r, s1, s2) = try h.sync { () -> (UDPSocket, UDPSocket, UDPSocket) in
            let r = try UDPSocket(loop: h.loop, bindTo: Self.loopback)
            let s1 = try UDPSocket(loop: h.loop, bindTo: Self.loopback)
            let s2 = try UDPSocket(loop: h.loop, bindTo: Self.loopback)
            r.setBorrowingReceiver { bytes, from in got.append((Array(bytes), from)) }
            return (r, s1, s2)
        }
        let order: [(UDPSocket, UInt8)] = [(s1, 1), (s1, 2), (s2, 3), (s1, 4), (s2, 5)]
        for (s, n) in order {
            // One at a time, so arrival order is send order across the two sockets.
            try h.sync { _ = s.send([n, n, n], to: r.localAddress) }
            #expect(h.wait(until: { got.count == Int(n) }, timeout: .seconds(2)))
        }
        let expected = order.map { ([$0.1, $0.1, $0.1], $0.0.localAddress) }
        #expect(try h.sync { got.map(\.0) } == expected.map(\.0))
        #expect(try h.sync { got.map(\.1) } == expected.map(\.1))

        try h.sync { r.onDatagram = { bytes, _ in arrays.append(bytes) } }
        try h.sync { _ = s2.send([9], to: r.localAddress) }
        #expect(h.wait(until: { arrays == [[9]] }, timeout: .seconds(2)))
        #expect(try h.sync { got.count } == order.count)
        try h.sync {
            r.close()
            s1.close()
            s2.close()
        }
    }

    /// A connected agent hands packets from its peer to a borrowing receiver (the path the media
    /// plane's demux uses); packets held before any receiver was set are delivered when it is.
    @Test func agentDeliversToBorrowingReceiver() throws {
        let h = RealLoop()
        defer { h.stop() }
        let (a, b) = try h.sync { () -> (ICEAgent, ICEAgent) in
            let a = ICEAgent(loop: h.loop, role: .controlling, configuration: .init(hostAddresses: [Self.loopback]))
            let b = ICEAgent(loop: h.loop, role: .controlled, configuration: .init(hostAddresses: [Self.loopback]))
            try a.gather()
            try b.gather()
            ICEAgentTests.introduce(a, b, endOfCandidates: true)
            return (a, b)
        }
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .seconds(5)))
        var received: [[UInt8]] = []
        #expect(try h.sync { a.send([128, 1]) })  // before b has a receiver: held
        #expect(h.wait(until: { b.heldPackets.count == 1 }, timeout: .seconds(2)))
        #expect(try h.sync {
            b.setBorrowingReceiver { received.append(Array($0)) }
            return [a.send([23, 2]), a.send([128, 3, 4])]
        } == [true, true])
        #expect(h.wait(until: { received.count == 3 }, timeout: .seconds(2)))
        #expect(try h.sync { received } == [[128, 1], [23, 2], [128, 3, 4]])
        try h.sync {
            a.close()
            b.close()
        }
    }
}
