import Testing
@testable import RTCCore
@testable import RTCRTP

/// `RTPHeaderView` reads what `RTPPacket(parsing:)` reads, and accepts exactly what it accepts.
@Suite struct RTPHeaderViewTests {
    static func view(_ bytes: [UInt8]) -> RTPHeaderView? { bytes.withUnsafeBytes { RTPHeaderView(parsing: $0) } }

    static let packets: [RTPPacket] = [
        RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [1, 2, 3]),
        RTPPacket(marker: true, payloadType: 111, sequenceNumber: 0xFFFF, timestamp: 0xDEAD_BEEF, ssrc: 0xFEED_F00D,
                  csrcs: [7, 8], payload: Array(repeating: 0xAB, count: 1200)),
        RTPPacket(payloadType: 100, sequenceNumber: 5, timestamp: 6, ssrc: 7,
                  headerExtension: .init(profile: 0xBEDE, data: [0x10, 0xAA, 0, 0, 1, 2, 3, 4]), payload: [9],
                  paddingLength: 3),
        RTPPacket(payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: [], paddingLength: 1),
    ]

    @Test(arguments: packets) func fieldsMatchTheParsedPacket(packet: RTPPacket) throws {
        let bytes = packet.serialized()
        let v = try #require(Self.view(bytes))
        let p = try RTPPacket(parsing: bytes)
        #expect(v.marker == p.marker && v.payloadType == p.payloadType && v.sequenceNumber == p.sequenceNumber)
        #expect(v.timestamp == p.timestamp && v.ssrc == p.ssrc && v.paddingLength == p.paddingLength)
        #expect(Array(bytes[v.payloadOffset..<v.payloadOffset + v.payloadLength]) == p.payload)
        #expect(v.extensionOffset == RTPPacket.fixedHeaderLength + 4 * p.csrcs.count)
    }

    /// Random and truncated/mangled packets: a view exactly when the full parser succeeds.
    @Test func acceptsExactlyWhatThePacketParserAccepts() {
        var rng = SplitMix64(seed: 14)
        var accepted = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                let p = Self.packets[i / 2 % Self.packets.count]
                bytes = p.serialized()
                // Cut it short or flip a header bit (CC, X, P, version).
                if rng.next() % 2 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count + 1))) }
                if !bytes.isEmpty { bytes[0] ^= UInt8(1 << (rng.next() % 8)) }
            } else {
                bytes = (0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if bytes.count > 0, rng.next() % 2 == 0 { bytes[0] = 0x80 | bytes[0] & 0x3F }
            }
            let parsed = (try? RTPPacket(parsing: bytes)) != nil
            #expect((Self.view(bytes) != nil) == parsed, "\(bytes)")
            if parsed { accepted += 1 }
        }
        #expect(accepted > 200)  // the mangling left enough valid packets to compare the verdicts on
    }

    @Test func setWritesPayloadTypeAndSSRCKeepingTheMarker() throws {
        var bytes = RTPPacket(marker: true, payloadType: 96, sequenceNumber: 9, timestamp: 8, ssrc: 7, payload: [1])
            .serialized()
        bytes.withUnsafeMutableBytes { RTPHeaderView.set(payloadType: 102, ssrc: 0x0102_0304, in: $0) }
        let p = try RTPPacket(parsing: bytes)
        #expect(p.marker && p.payloadType == 102 && p.ssrc == 0x0102_0304 && p.sequenceNumber == 9 && p.payload == [1])
    }
}
