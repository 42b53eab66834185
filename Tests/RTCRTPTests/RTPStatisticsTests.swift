import Testing

@testable import RTCCore
@testable import RTCRTP

/// RFC 3550 receiver statistics (Appendix A.1, A.3, A.8) and sender reports / RTT (§6.4.1).
@Suite struct RTPStatisticsTests {
    static func packet(_ seq: UInt16, ts: UInt32 = 0, payload: Int = 100) -> RTPPacket {
        RTPPacket(
            payloadType: 96, sequenceNumber: seq, timestamp: ts, ssrc: 0xABCD,
            payload: [UInt8](repeating: 0, count: payload))
    }

    static let t0 = LoopInstant(nanoseconds: 1_000_000_000_000)

    @Test func probationThenWrapIntoSecondCycle() throws {
        var s = RTPReceiverStatistics(ssrc: 0xABCD, clockRate: 90_000)
        let counted = s.received(Self.packet(65530), at: Self.t0)
        #expect(!counted)  // probation: first of two
        let none = s.reportBlock(at: Self.t0)
        #expect(none == nil)
        for i in 1..<20 {
            let ok = s.received(Self.packet(65530 &+ UInt16(i)), at: Self.t0)
            #expect(ok)
        }
        #expect(s.isValid && s.packetsReceived == 19)
        // 65530 + 19 = 65549: one cycle, then 13.
        #expect(s.extendedHighestSequenceNumber == 1 << 16 | 13)
        let maybe = s.reportBlock(at: Self.t0)
        let block = try #require(maybe)
        #expect(block.cumulativeLost == 0 && block.fractionLost == 0 && block.ssrc == 0xABCD)
    }

    @Test func probationRestartsOnNonSequentialPackets() {
        var s = RTPReceiverStatistics(ssrc: 1, clockRate: 8000, minSequential: 3)
        let early = [UInt16(100), 102, 500, 501].map { s.received(Self.packet($0), at: Self.t0) }
        #expect(early == [false, false, false, false])
        let counted = s.received(Self.packet(502), at: Self.t0)
        #expect(counted && s.packetsReceived == 1)
        var signalled = RTPReceiverStatistics(ssrc: 1, clockRate: 8000, minSequential: 0)
        let first = signalled.received(Self.packet(0), at: Self.t0)
        #expect(first && signalled.extendedHighestSequenceNumber == 0)
    }

    @Test func lossFractionPerInterval() throws {
        var s = RTPReceiverStatistics(ssrc: 1, clockRate: 90_000, minSequential: 0)
        let dropped: Set<UInt16> = [10, 11, 12, 40, 77]
        for seq in UInt16(0)..<100 where !dropped.contains(seq) { s.received(Self.packet(seq), at: Self.t0) }
        let firstBlock = s.reportBlock(at: Self.t0)
        let first = try #require(firstBlock)
        #expect(first.cumulativeLost == Int32(dropped.count))
        #expect(first.fractionLost == UInt8(dropped.count * 256 / 100))
        #expect(first.extendedHighestSequenceNumber == 99)
        // The next interval has no loss: the fraction drops to 0, the total stays.
        for seq in UInt16(100)..<150 { s.received(Self.packet(seq), at: Self.t0) }
        let secondBlock = s.reportBlock(at: Self.t0)
        let second = try #require(secondBlock)
        #expect(second.fractionLost == 0 && second.cumulativeLost == Int32(dropped.count))
        // Duplicates push the total below zero (A.3), and fraction stays 0 rather than negative.
        for _ in 0..<8 { s.received(Self.packet(149), at: Self.t0) }
        let thirdBlock = s.reportBlock(at: Self.t0)
        let third = try #require(thirdBlock)
        #expect(third.cumulativeLost == Int32(dropped.count) - 8 && third.fractionLost == 0)
    }

    @Test func bigJumpNeedsASecondPacketToRestart() {
        var s = RTPReceiverStatistics(ssrc: 1, clockRate: 90_000, minSequential: 0)
        for seq in UInt16(0)..<10 { s.received(Self.packet(seq), at: Self.t0) }
        let jump = s.received(Self.packet(30_000), at: Self.t0)
        #expect(!jump && s.extendedHighestSequenceNumber == 9)  // A.1: unconfirmed
        let next = s.received(Self.packet(30_001), at: Self.t0)  // confirmed: a restarted sender
        #expect(next && s.extendedHighestSequenceNumber == 30_001 && s.packetsReceived == 1 && s.cumulativeLost == 0)
        let reordered = s.received(Self.packet(29_990), at: Self.t0)  // 11 behind: reordered, counted
        #expect(reordered && s.packetsReceived == 2)
    }

    /// 20 ms Opus frames (960 ticks at 48 kHz) arriving alternately on time and 10 ms late:
    /// |D| is 480 ticks every packet, so J converges to 480 (A.8).
    @Test(arguments: [UInt32(0), UInt32.max - 20 * 960]) func jitterConverges(startTimestamp: UInt32) throws {
        var s = RTPReceiverStatistics(ssrc: 1, clockRate: 48_000, minSequential: 0)
        for i in 0..<400 {
            let late: Duration = i % 2 == 0 ? .zero : .milliseconds(10)
            let arrival = Self.t0 + .milliseconds(20 * i) + late
            s.received(Self.packet(UInt16(i), ts: startTimestamp &+ UInt32(i) * 960), at: arrival)
        }
        #expect(abs(Int(s.jitter) - 480) <= 2, "jitter \(s.jitter)")
        #expect(abs(s.jitterSeconds - 0.010) < 0.0001)
        let report = s.reportBlock(at: Self.t0)
        #expect(report?.jitter == s.jitter)
        var steady = RTPReceiverStatistics(ssrc: 1, clockRate: 48_000, minSequential: 0)
        for i in 0..<100 {
            steady.received(
                Self.packet(UInt16(i), ts: startTimestamp &+ UInt32(i) * 960), at: Self.t0 + .milliseconds(20 * i))
        }
        #expect(steady.jitter == 0)
        // A retransmission arriving an RTT late is counted but does not count as jitter.
        let n = steady.packetsReceived
        steady.received(Self.packet(50, ts: startTimestamp &+ 50 * 960), at: Self.t0 + .seconds(3), retransmitted: true)
        #expect(steady.jitter == 0 && steady.packetsReceived == n + 1)
    }

    @Test func lastSenderReportAndDelay() throws {
        var s = RTPReceiverStatistics(ssrc: 1, clockRate: 90_000, minSequential: 0)
        s.received(Self.packet(1), at: Self.t0)
        let before = s.reportBlock(at: Self.t0)
        #expect(before?.lastSenderReport == 0)
        let sr = RTCPSenderReport(
            ssrc: 1, ntpTime: 0xE8F2_1C3A_4B6C_8D00, rtpTimestamp: 0, packetCount: 1, octetCount: 1)
        s.receivedSenderReport(sr, at: Self.t0)
        let delayed = s.reportBlock(at: Self.t0 + .milliseconds(1500))
        let block = try #require(delayed)
        #expect(block.lastSenderReport == 0x1C3A_4B6C)
        #expect(block.delaySinceLastSenderReport == 3 << 15)  // 1.5 s in 1/65536 s
    }

    /// RFC 3550 §6.4.1's worked example: A = 0xb710:8000, LSR = 0xb705:2000, DLSR = 0x0005:4000
    /// give a round-trip time of 0x0006:2000, 6.125 s.
    @Test func roundTripTimeRFCExample() {
        #expect(
            RTPSenderStatistics.roundTripTime(
                arrival: 0xB710_8000, lastSenderReport: 0xB705_2000,
                delaySinceLastSenderReport: 0x0005_4000) == .milliseconds(6125))
        #expect(
            RTPSenderStatistics.roundTripTime(arrival: 1, lastSenderReport: 0, delaySinceLastSenderReport: 0) == nil)
    }

    @Test func senderReportCountsAndRoundTrip() throws {
        var s = RTPSenderStatistics(ssrc: 7, clockRate: 90_000)
        for i in 0..<10 {
            s.sent(Self.packet(UInt16(i), ts: 3000 * UInt32(i), payload: 1000), at: Self.t0 + .milliseconds(33 * i))
        }
        let lastSend = Self.t0 + .milliseconds(33 * 9)
        let ntp = NTPTime.fromUnix(nanoseconds: 1_700_000_000_500_000_000)
        let srAt = lastSend + .milliseconds(100)
        let sr = s.senderReport(ntpTime: ntp, at: srAt)
        #expect(sr.ssrc == 7 && sr.packetCount == 10 && sr.octetCount == 10_000 && sr.ntpTime == ntp)
        #expect(sr.rtpTimestamp == 27_000 + 9_000)  // the last timestamp + 100 ms of 90 kHz
        // The peer holds our SR 200 ms (DLSR) and its report arrives 250 ms after we sent the SR.
        let block = RTCPReportBlock(
            ssrc: 7, lastSenderReport: NTPTime.compact(ntp),
            delaySinceLastSenderReport: NTPTime.compact(.milliseconds(200)))
        let measured = s.receivedReportBlock(block, at: srAt + .milliseconds(250))
        let rtt = try #require(measured)
        #expect(abs((rtt - .milliseconds(50)).nanoseconds) < 20_000, "rtt \(rtt)")  // compact units are 15 µs
        #expect(s.roundTripTime == rtt)
        var stranger = block
        stranger.lastSenderReport &+= 1
        let unknownSR = s.receivedReportBlock(stranger, at: srAt + .seconds(1))
        #expect(unknownSR == nil)
        stranger = block
        stranger.ssrc = 8
        let otherSource = s.receivedReportBlock(stranger, at: srAt + .seconds(1))
        #expect(otherSource == nil)
    }

    @Test func ntpConversions() {
        #expect(NTPTime.fromUnix(nanoseconds: 0) == NTPTime.unixEpochOffset << 32)
        #expect(NTPTime.fromUnix(nanoseconds: 1_500_000_000) == (NTPTime.unixEpochOffset + 1) << 32 | 0x8000_0000)
        #expect(NTPTime.compact(0x0001_2345_6789_0000) == 0x2345_6789)
        #expect(NTPTime.compact(.milliseconds(250)) == 1 << 14)
        #expect(NTPTime.duration(compact: 1 << 14) == .milliseconds(250))
        #expect(NTPTime.compact(.seconds(100_000)) == .max)
        #expect(RTPClock.units(.milliseconds(20), rate: 48_000) == 960)
        #expect(
            RTPClock.units(LoopInstant(nanoseconds: 1_000_000_000_000_000_000), rate: 90_000)
                == UInt32(truncatingIfNeeded: UInt64(1_000_000_000) * 90_000))
    }
}
