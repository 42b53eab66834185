import Testing
@testable import RTCCore
@testable import RTCRTP

/// Hostile packet sequences (random sequence numbers, timestamps, SSRCs and arrival jumps, seeded)
/// through the stateful RTP pieces: nothing traps and every bound holds.
@Suite struct RTPStateFuzzTests {
    @Test func randomArrivalsKeepBounds() {
        var rng = SplitMix64(seed: 0x5EED_57A7)
        var stats = RTPReceiverStatistics(ssrc: 1, clockRate: 90_000)
        var nacks = NACKGenerator(maxMissing: 300)
        var history = RTPSendHistory(capacity: 256, maxAge: .milliseconds(500))
        var rewriter = RTPStreamRewriter(
            ssrc: 9, payloadType: 100, clockRate: 48_000, initialSequenceNumber: 1, initialTimestamp: 2)
        var now = LoopInstant(nanoseconds: 0)
        var seq: UInt16 = 0
        for _ in 0..<10_000 {
            // Mostly a stream with loss and reordering; sometimes a wild jump in any field.
            let r = rng.next()
            switch r % 16 {
            case 0: seq = UInt16(truncatingIfNeeded: rng.next())
            case 1, 2: seq &-= UInt16(rng.next() % 200)
            default: seq &+= UInt16(1 + rng.next() % 3)
            }
            now = now + .nanoseconds(Int64(r % 7 == 0 ? rng.next() % 5_000_000_000 : rng.next() % 40_000_000))
            let p = RTPPacket(
                payloadType: UInt8(rng.next() % 128), sequenceNumber: seq,
                timestamp: UInt32(truncatingIfNeeded: rng.next() % 64 == 0 ? rng.next() : UInt64(seq) * 960),
                ssrc: rng.next() % 97 == 0 ? UInt32(truncatingIfNeeded: rng.next()) : 0xAA, payload: [1])
            stats.received(p, at: now, retransmitted: r % 11 == 0)
            nacks.received(seq, at: now)
            _ = nacks.sequenceNumbersToNACK(at: now, roundTripTime: r % 3 == 0 ? nil : .milliseconds(Int64(r % 300)))
            history.record(p, at: now)
            _ = history.retransmissions(for: [seq &- 5, seq &- 300, seq], at: now)
            if var block = stats.reportBlock(at: now) {
                #expect(RTCPReportBlock.cumulativeLostRange.contains(block.cumulativeLost))
                block.ssrc = 0xAA
                var w = ByteWriter()
                block.write(&w)
                var reader = ByteReader(w.bytes)
                #expect((try? RTCPReportBlock.read(&reader, index: 0)) == block)
            }
            #expect(nacks.missingSequenceNumbers.count <= 300)
            #expect(history.count <= history.capacity)
            if let out = rewriter.rewrite(p, at: now) {
                #expect(out.ssrc == 9 && out.payloadType == 100 && out.payload == p.payload)
            }
        }
        #expect(rewriter.restarts > 0 && nacks.givenUp > 0)
    }
}
