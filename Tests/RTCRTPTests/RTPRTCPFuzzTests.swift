import Testing

@testable import RTCCore
@testable import RTCCrypto
@testable import RTCRTP

/// Bounded, seeded random-mutation fuzzing of the RTP, RFC 8285 and RTCP decoders. Properties:
/// nothing traps; whatever decodes re-encodes to bytes that decode to the same value.
@Suite struct RTPRTCPFuzzTests {
    static let rtpCorpus: [[UInt8]] = {
        var p = RTPPacket(
            marker: true, payloadType: 96, sequenceNumber: 65535, timestamp: 1, ssrc: 2, csrcs: [3, 4],
            payload: [1, 2, 3], paddingLength: 3)
        try? p.setExtensionElement(id: 200, data: [UInt8](repeating: 9, count: 20))
        return [RTPPacketTests.chromiumVideo, p.serialized()]
    }()

    static func input(_ corpus: [[UInt8]], _ rng: inout SplitMix64) -> [UInt8] {
        if rng.next() % 8 == 0 {
            var b = SecureRandom.bytes(Int(rng.next() % 64), using: &rng)
            if !b.isEmpty { b[0] = b[0] & 0x3F | 0x80 }  // version 2, so parsing goes past the first check
            return b
        }
        var b = corpus[Int(rng.next() % UInt64(corpus.count))]
        for _ in 0...(rng.next() % 4) {
            let at = b.isEmpty ? 0 : Int(rng.next() % UInt64(b.count))
            switch rng.next() % 7 {
            case 0 where !b.isEmpty: b[at] ^= 1 << (rng.next() % 8)
            case 1 where !b.isEmpty: b[at] = UInt8(truncatingIfNeeded: rng.next())
            case 2 where !b.isEmpty: b[at] = [0x00, 0xFF, 0x01, 0x02, 0x03, 0x1F, 0x20, 0xBE][Int(rng.next() % 8)]
            case 3: b.removeLast(min(b.count, Int(rng.next() % 9)))
            case 4: b.insert(contentsOf: SecureRandom.bytes(Int(rng.next() % 9), using: &rng), at: at)
            case 5 where b.count >= 4:  // a length field at a word boundary
                let word = Int(rng.next() % UInt64(b.count / 4)) * 4
                b[word + 2] = 0
                b[word + 3] = UInt8(rng.next() % 12)
            default:  // splice another entry's tail
                let other = corpus[Int(rng.next() % UInt64(corpus.count))]
                b = Array(b.prefix(at)) + other[Int(rng.next() % UInt64(other.count))...]
            }
        }
        return b
    }

    @Test func rtcpNeverTrapsAndRoundTrips() throws {
        var rng = SplitMix64(seed: 0x5EED_0C7C)
        var decoded = 0
        for _ in 0..<20_000 {
            let b = Self.input(RTCPVectors.all + [RTCPVectors.all.flatMap { $0 }], &rng)
            guard let packets = try? RTCPPacket.parse(compound: b) else { continue }
            decoded += 1
            let again = try RTCPPacket.parse(compound: RTCPPacket.serialize(packets))
            #expect(again == packets, "input \(b.hexString)")
            if again != packets { return }
        }
        // The mutations leave enough inputs valid for the round trip to be exercised.
        #expect(decoded > 2_000)
    }

    @Test func rtpAndHeaderExtensionsNeverTrap() throws {
        var rng = SplitMix64(seed: 0x5EED_0E7A)
        var decoded = 0
        var extensions = 0
        for _ in 0..<20_000 {
            let b = Self.input(Self.rtpCorpus, &rng)
            guard let p = try? RTPPacket(parsing: b) else { continue }
            decoded += 1
            #expect(try RTPPacket(parsing: p.serialized()) == p, "input \(b.hexString)")
            guard let e = p.headerExtension, let elements = try? e.elements() else { continue }
            extensions += 1
            _ = (e.mid(id: 4), e.absSendTime(id: 2), e.transportSequenceNumber(id: 3))
            #expect(try RTPPacket.HeaderExtension(elements: elements).elements() == elements)
        }
        #expect(decoded > 2_000 && extensions > 500)
    }
}
