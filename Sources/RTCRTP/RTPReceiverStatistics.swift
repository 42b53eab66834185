import RTCCore

/// Reception statistics of one remote source, the receiver side of RFC 3550 §6.4: sequence
/// validation with probation (Appendix A.1), loss (A.3), interarrival jitter (A.8) and the LSR/DLSR
/// of the last SR heard, from which it builds the source's report block.
///
/// A pure value fed with packets and instants of the loop's monotonic clock; no I/O.
package struct RTPReceiverStatistics: Sendable {
    /// A.1: a jump this far ahead is taken as loss; further, as a restart needing confirmation.
    static let maxDropout: UInt16 = 3000
    /// A.1: up to this far behind is reordering or duplication.
    static let maxMisorder: UInt16 = 100
    static let sequenceModulus: UInt32 = 1 << 16

    package let ssrc: UInt32
    let clockRate: UInt32
    /// Sequential packets needed before a new source counts (A.1 MIN_SEQUENTIAL; 0 accepts the
    /// first packet, as when the SSRC was signalled).
    let minSequential: Int

    private var started = false
    private var maxSeq: UInt16 = 0
    /// Sequence cycles, shifted: a multiple of 65536 (A.1).
    private var cycles: UInt32 = 0
    private var baseSeq: UInt32 = 0
    private var badSeq: UInt32 = sequenceModulus + 1
    private var probation = 0
    /// Packets counted since the base sequence number, duplicates included (A.3).
    private(set) var packetsReceived: UInt32 = 0
    /// Payload octets of the counted packets.
    private(set) var payloadBytesReceived: UInt64 = 0
    private var expectedPrior: UInt32 = 0
    private var receivedPrior: UInt32 = 0
    /// Relative transit time of the previous packet, in timestamp units (A.8).
    private var transit: UInt32?
    /// Jitter × 16, the integer form of A.8.
    private var jitterQ4: UInt64 = 0
    private var lastSenderReport: UInt32 = 0
    private var lastSenderReportArrival: LoopInstant?

    package init(ssrc: UInt32, clockRate: UInt32, minSequential: Int = 2) {
        self.ssrc = ssrc
        self.clockRate = max(clockRate, 1)
        self.minSequential = max(minSequential, 0)
    }

    /// True once probation is over: the source has sent `minSequential` packets in sequence.
    var isValid: Bool { started && probation == 0 }

    /// Cycles in the high 16 bits, the highest sequence number in the low 16.
    var extendedHighestSequenceNumber: UInt32 { cycles &+ UInt32(maxSeq) }

    /// Expected minus received since the base sequence number (A.3); negative with duplicates.
    package var cumulativeLost: Int64 { Int64(expected) - Int64(packetsReceived) }

    /// Interarrival jitter in timestamp units (A.8).
    var jitter: UInt32 { UInt32(clamping: jitterQ4 >> 4) }

    /// Interarrival jitter in seconds.
    package var jitterSeconds: Double { Double(jitterQ4) / 16 / Double(clockRate) }

    private var expected: UInt32 { extendedHighestSequenceNumber &- baseSeq &+ 1 }

    /// Counts a packet of this source that arrived at `arrival`.
    /// - Parameter retransmitted: true for a packet recovered by retransmission (RTX or NACK): it
    ///   is counted, but its arrival time says nothing of the network's jitter, so A.8 skips it.
    /// - Returns: false while the source is on probation or for a packet A.1 rejects (a big jump
    ///   not yet confirmed by its successor); such packets update no statistics.
    @discardableResult
    package mutating func received(_ packet: RTPPacket, at arrival: LoopInstant, retransmitted: Bool = false) -> Bool {
        received(sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                 payloadLength: packet.payload.count, at: arrival, retransmitted: retransmitted)
    }

    /// `received(_:at:retransmitted:)` for a packet given by its fields (the forwarding path
    /// reads them in place).
    @discardableResult
    package mutating func received(sequenceNumber seq: UInt16, timestamp: UInt32, payloadLength: Int,
                                   at arrival: LoopInstant, retransmitted: Bool = false) -> Bool {
        if !started {
            started = true
            restart(at: seq)
            probation = minSequential
            if probation > 0 { maxSeq = seq &- 1 }
        }
        guard updateSequence(seq) else { return false }
        packetsReceived &+= 1
        payloadBytesReceived &+= UInt64(payloadLength)
        if retransmitted { return true }
        // A.8: D(i-1,i) from the relative transit times, J += (|D| - J) / 16.
        let t = RTPClock.units(arrival, rate: clockRate) &- timestamp
        if let previous = transit {
            let d = UInt64(Int32(bitPattern: t &- previous).magnitude)
            jitterQ4 = jitterQ4 + d - ((jitterQ4 + 8) >> 4)
        }
        transit = t
        return true
    }

    /// A.1 `init_seq`.
    private mutating func restart(at seq: UInt16) {
        baseSeq = UInt32(seq)
        maxSeq = seq
        badSeq = Self.sequenceModulus + 1
        cycles = 0
        packetsReceived = 0
        receivedPrior = 0
        expectedPrior = 0
    }

    /// A.1 `update_seq`: true when the packet is counted.
    private mutating func updateSequence(_ seq: UInt16) -> Bool {
        let delta = seq &- maxSeq
        if probation > 0 {
            if seq == maxSeq &+ 1 {
                probation -= 1
                maxSeq = seq
                if probation == 0 {
                    restart(at: seq)
                    return true
                }
            } else {
                probation = minSequential - 1
                maxSeq = seq
            }
            return false
        } else if delta < Self.maxDropout {
            if seq < maxSeq { cycles &+= Self.sequenceModulus }  // wrapped
            maxSeq = seq
        } else if UInt32(delta) <= Self.sequenceModulus - UInt32(Self.maxMisorder) {
            // A very large jump: a restarted sender if the next packet follows this one.
            if UInt32(seq) == badSeq {
                restart(at: seq)
                transit = nil
            } else {
                badSeq = (UInt32(seq) + 1) & (Self.sequenceModulus - 1)
                return false
            }
        }  // else: a duplicate or reordered packet, counted
        return true
    }

    /// Notes an SR from this source, for the LSR and DLSR of the next report block (§6.4.1).
    package mutating func receivedSenderReport(_ report: RTCPSenderReport, at arrival: LoopInstant) {
        lastSenderReport = NTPTime.compact(report.ntpTime)
        lastSenderReportArrival = arrival
    }

    /// The report block for this source at `now` (A.3), starting a new loss interval; nil while
    /// the source is on probation.
    package mutating func reportBlock(at now: LoopInstant) -> RTCPReportBlock? {
        guard isValid else { return nil }
        let expected = self.expected
        let expectedInterval = expected &- expectedPrior
        let receivedInterval = packetsReceived &- receivedPrior
        expectedPrior = expected
        receivedPrior = packetsReceived
        let lostInterval = Int64(expectedInterval) - Int64(receivedInterval)
        let fraction =
            expectedInterval == 0 || lostInterval <= 0
            ? 0 : UInt8(clamping: (lostInterval << 8) / Int64(expectedInterval))
        let lost = min(
            max(cumulativeLost, Int64(RTCPReportBlock.cumulativeLostRange.lowerBound)),
            Int64(RTCPReportBlock.cumulativeLostRange.upperBound))
        return RTCPReportBlock(
            ssrc: ssrc, fractionLost: fraction, cumulativeLost: Int32(lost),
            extendedHighestSequenceNumber: extendedHighestSequenceNumber, jitter: jitter,
            lastSenderReport: lastSenderReport,
            delaySinceLastSenderReport: lastSenderReportArrival.map { NTPTime.compact(now.since($0)) } ?? 0)
    }
}
