import Testing
@testable import RTCCore
@testable import RTCRTP

/// The RTP pieces working together over a lossy in-memory link on a manual clock: a sender with
/// a send history and an RTX stream, a receiver with a NACK generator and reception statistics,
/// RTCP (SR, RR, NACK) serialized and parsed in between.
@Suite struct RTPLossRecoveryTests {
    /// One direction of the link: fixed delay, seeded random loss.
    struct Link {
        let delay: Duration
        let lossPercent: UInt64
        var rng: SplitMix64
        var inFlight: [(at: LoopInstant, bytes: [UInt8])] = []
        var sent = 0
        var dropped = 0

        mutating func send(_ bytes: [UInt8], at now: LoopInstant) {
            sent += 1
            if rng.next() % 100 < lossPercent {
                dropped += 1
                return
            }
            inFlight.append((now + delay, bytes))
        }

        mutating func deliver(at now: LoopInstant) -> [[UInt8]] {
            let due = inFlight.filter { $0.at <= now }.map(\.bytes)
            inFlight.removeAll { $0.at <= now }
            return due
        }
    }

    @Test(arguments: [UInt64(5), 15]) func nackAndRTXRecoverEveryPacket(lossPercent: UInt64) throws {
        let mediaSSRC: UInt32 = 0x1111
        let rtxSSRC: UInt32 = 0x2222
        let receiverSSRC: UInt32 = 0x3333
        let oneWay: Duration = .milliseconds(20)
        var forward = Link(delay: oneWay, lossPercent: lossPercent, rng: SplitMix64(seed: 1 + lossPercent))
        var backward = Link(delay: oneWay, lossPercent: lossPercent, rng: SplitMix64(seed: 2 + lossPercent))

        var history = RTPSendHistory(capacity: 1024, maxAge: .seconds(2))
        var rtx = RTXStream(ssrc: rtxSSRC, payloadType: 97, initialSequenceNumber: 40_000)
        var senderStats = RTPSenderStatistics(ssrc: mediaSSRC, clockRate: 90_000)
        var nacks = NACKGenerator(maxRetries: 10, maxAge: .seconds(2))
        var receiverStats = RTPReceiverStatistics(ssrc: mediaSSRC, clockRate: 90_000)
        var delivered = Set<UInt16>()
        var rtt: Duration?

        let packets = 500
        let firstSeq: UInt16 = 65_300  // wraps during the run
        var now = LoopInstant(nanoseconds: 1_000_000_000)
        let end = now + .milliseconds(10 * packets) + .seconds(2)
        var tick = 0
        while now < end {
            // Sender: a packet every 10 ms, an SR every 250 ms.
            if tick % 10 == 0, tick / 10 < packets {
                let i = tick / 10
                let p = RTPPacket(
                    payloadType: 96, sequenceNumber: firstSeq &+ UInt16(i), timestamp: UInt32(i) * 900,
                    ssrc: mediaSSRC, payload: [UInt8](repeating: UInt8(i & 0xFF), count: 100))
                history.record(p, at: now)
                senderStats.sent(p, at: now)
                forward.send(p.serialized(), at: now)
            }
            if tick % 250 == 0, senderStats.packetsSent > 0 {
                let sr = senderStats.senderReport(ntpTime: NTPTime.fromUnix(nanoseconds: now.nanoseconds), at: now)
                forward.send(RTCPPacket.serialize([.senderReport(sr)]), at: now)
            }
            // Receiver: media, RTX and SRs in.
            for bytes in forward.deliver(at: now) {
                if RTCPPacket.isRTCP(bytes) {
                    for case let .senderReport(sr) in try RTCPPacket.parse(compound: bytes) {
                        receiverStats.receivedSenderReport(sr, at: now)
                    }
                    continue
                }
                var p = try RTPPacket(parsing: bytes)
                let isRTX = p.ssrc == rtxSSRC
                if isRTX { p = try RTXStream.unwrap(p, ssrc: mediaSSRC, payloadType: 96) }
                #expect(p.payload == [UInt8](repeating: UInt8(Int(p.sequenceNumber &- firstSeq) & 0xFF), count: 100))
                delivered.insert(p.sequenceNumber)
                nacks.received(p.sequenceNumber, at: now)
                receiverStats.received(p, at: now, retransmitted: isRTX)
            }
            // Receiver: NACKs when due, an RR every 100 ms.
            var feedback: [RTCPPacket] = []
            if let due = nacks.nextDeadline(roundTripTime: rtt), due <= now {
                let lost = nacks.sequenceNumbersToNACK(at: now, roundTripTime: rtt)
                if !lost.isEmpty {
                    feedback.append(.nack(RTCPGenericNACK(senderSSRC: receiverSSRC, mediaSSRC: mediaSSRC, lost: lost)))
                }
            }
            if tick % 100 == 50, let block = receiverStats.reportBlock(at: now) {
                feedback.append(.receiverReport(RTCPReceiverReport(ssrc: receiverSSRC, reportBlocks: [block])))
            }
            if !feedback.isEmpty { backward.send(RTCPPacket.serialize(feedback), at: now) }
            // Sender: feedback in, retransmissions out on RTX.
            for bytes in backward.deliver(at: now) {
                for packet in try RTCPPacket.parse(compound: bytes) {
                    switch packet {
                    case let .nack(nack):
                        for p in history.retransmissions(for: nack, at: now) {
                            forward.send(rtx.wrap(p).serialized(), at: now)
                        }
                    case let .receiverReport(rr):
                        for block in rr.reportBlocks {
                            if let measured = senderStats.receivedReportBlock(block, at: now) { rtt = measured }
                        }
                    default:
                        Issue.record("unexpected feedback \(packet)")
                    }
                }
            }
            now = now + .milliseconds(1)
            tick += 1
        }
        #expect(forward.dropped > 0 && backward.dropped > 0)
        let expected = Set((0..<packets).map { firstSeq &+ UInt16($0) })
        #expect(delivered == expected, "missing \(expected.subtracting(delivered).sorted())")
        #expect(nacks.givenUp == 0 && nacks.missingSequenceNumbers.isEmpty)
        // Everything arrived, so the receiver reports no loss; the RTT is the two 20 ms legs.
        let last = receiverStats.reportBlock(at: now)
        #expect(last.map { $0.cumulativeLost <= 0 } == true)
        let measured = try #require(rtt)
        #expect(abs((measured - oneWay * 2).nanoseconds) < 100_000, "rtt \(measured)")
    }
}
