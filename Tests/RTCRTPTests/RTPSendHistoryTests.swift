import Testing

@testable import RTCCore
@testable import RTCRTP

@Suite struct RTPSendHistoryTests {
    static let t0 = LoopInstant(nanoseconds: 5_000_000_000)

    static func packet(_ seq: UInt16) -> RTPPacket {
        RTPPacket(
            payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: 9,
            payload: [UInt8(truncatingIfNeeded: seq)])
    }

    @Test func boundedByCountAcrossWrap() {
        var h = RTPSendHistory(capacity: 1000, maxAge: .seconds(10))
        #expect(h.capacity == 1024)
        // 2000 packets from 64500, wrapping through 0: only the newest 1024 are kept.
        let first: UInt16 = 64500
        for i in 0..<2000 { h.record(Self.packet(first &+ UInt16(i)), at: Self.t0 + .milliseconds(i)) }
        let now = Self.t0 + .seconds(3)
        let newest = first &+ 1999
        #expect(h.count == 1024)
        #expect(h.packet(newest, at: now) == Self.packet(newest))
        #expect(h.packet(newest &- 1023, at: now) == Self.packet(newest &- 1023))
        #expect(h.packet(newest &- 1024, at: now) == nil)
        #expect(h.packet(first, at: now) == nil)
    }

    @Test func boundedByAge() {
        var h = RTPSendHistory(capacity: 64, maxAge: .milliseconds(500))
        h.record(Self.packet(1), at: Self.t0)
        h.record(Self.packet(2), at: Self.t0 + .milliseconds(300))
        let now = Self.t0 + .milliseconds(600)
        #expect(h.packet(1, at: now) == nil)
        let resent1 = h.retransmissions(for: [1, 2], at: now)
        #expect(resent1 == [Self.packet(2)])
    }

    @Test func answersNACKEntriesInOrderOnceperInterval() {
        var h = RTPSendHistory(capacity: 256, maxAge: .seconds(1), minResendInterval: .milliseconds(20))
        for seq in UInt16(990)..<1030 { h.record(Self.packet(seq), at: Self.t0) }
        let nack = RTCPGenericNACK(
            senderSSRC: 1, mediaSSRC: 9,
            entries: [.init(packetID: 1000, lostBitmask: 0b101), .init(packetID: 1040, lostBitmask: 0)])
        let now = Self.t0 + .milliseconds(50)
        // 1040 was never sent: it is skipped.
        let resent2 = h.retransmissions(for: nack, at: now)
        #expect(resent2 == [1000, 1001, 1003].map(Self.packet))
        // Repeated within the interval, nothing is resent; after it, all of them again.
        let resent3 = h.retransmissions(for: nack, at: now + .milliseconds(10))
        #expect(resent3.isEmpty)
        let resent4 = h.retransmissions(for: [1001, 1002], at: now + .milliseconds(10))
        #expect(resent4 == [Self.packet(1002)])
        let resent5 = h.retransmissions(for: nack, at: now + .milliseconds(20))
        #expect(resent5 == [1000, 1001, 1003].map(Self.packet))
    }
}

extension RTPSendHistoryTests {
    /// A packet recorded in its wire form comes back as the packet it encodes, and replaces the
    /// slot's previous packet (the slot's buffer is reused, not appended to).
    @Test func recordsWireForm() {
        var h = RTPSendHistory(capacity: 16, maxAge: .seconds(10))
        var long = Self.packet(3)
        long.payload = Array(repeating: 7, count: 1200)
        long.csrcs = [1, 2]
        h.record(long, at: Self.t0)
        let short = Self.packet(3 + 16)
        short.serialized().withUnsafeBytes { h.record(wire: $0, sequenceNumber: 3 + 16, at: Self.t0) }
        #expect(h.packet(3, at: Self.t0) == nil)
        #expect(h.packet(3 + 16, at: Self.t0) == short)
        #expect(h.retransmissions(for: [3 + 16], at: Self.t0) == [short])
        #expect(h.count == 1)
    }
}
