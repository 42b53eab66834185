import RTCCore

/// What one of our outgoing sources has sent, for its sender reports (RFC 3550 §6.4.1), and the
/// round-trip time from the report blocks that come back about it.
///
/// A pure value: the caller passes the loop's monotonic instants and, for SRs, the wall-clock NTP
/// time; the RTT uses the monotonic send instant of the SR the block's LSR names.
package struct RTPSenderStatistics: Sendable {
    /// SRs remembered for matching LSR; at one SR a second this covers 16 s of report delay.
    static let rememberedReports = 16

    let ssrc: UInt32
    let clockRate: UInt32
    /// Packets sent; the SR field wraps (§6.4.1).
    private(set) var packetsSent: UInt64 = 0
    /// Payload octets sent, headers and padding excluded (§6.4.1).
    private(set) var payloadBytesSent: UInt64 = 0
    private(set) var lastTimestamp: UInt32?
    private var lastSendTime: LoopInstant?
    /// (compact NTP, monotonic send instant) of our latest SRs, oldest first.
    private var reports: [(ntp: UInt32, sentAt: LoopInstant)] = []
    /// The latest round-trip time measured, nil until one is.
    private(set) var roundTripTime: Duration?

    package init(ssrc: UInt32, clockRate: UInt32) {
        self.ssrc = ssrc
        self.clockRate = max(clockRate, 1)
    }

    /// Counts a packet sent at `now`; retransmissions should not be counted.
    package mutating func sent(_ packet: RTPPacket, at now: LoopInstant) {
        sent(timestamp: packet.timestamp, payloadLength: packet.payload.count, at: now)
    }

    /// `sent(_:at:)` for a packet given by its fields.
    package mutating func sent(timestamp: UInt32, payloadLength: Int, at now: LoopInstant) {
        packetsSent &+= 1
        payloadBytesSent &+= UInt64(payloadLength)
        lastTimestamp = timestamp
        lastSendTime = now
    }

    /// The RTP timestamp that corresponds to `now`: the last one sent advanced by the time since
    /// (§6.4.1 wants the SR's RTP and NTP timestamps to name the same instant); nil before any packet.
    func rtpTimestamp(at now: LoopInstant) -> UInt32? {
        guard let ts = lastTimestamp, let at = lastSendTime else { return nil }
        return ts &+ RTPClock.units(now.since(at), rate: clockRate)
    }

    /// Our SR at `now`, whose wall clock reads `ntpTime`; remembered for RTT measurement.
    /// - Parameter rtpTimestamp: the media timestamp of the same instant, by default extrapolated
    ///   from the last packet sent.
    package mutating func senderReport(
        ntpTime: UInt64, at now: LoopInstant, rtpTimestamp: UInt32? = nil, reportBlocks: [RTCPReportBlock] = []
    ) -> RTCPSenderReport {
        reports.append((NTPTime.compact(ntpTime), now))
        if reports.count > Self.rememberedReports { reports.removeFirst(reports.count - Self.rememberedReports) }
        return RTCPSenderReport(
            ssrc: ssrc, ntpTime: ntpTime, rtpTimestamp: rtpTimestamp ?? self.rtpTimestamp(at: now) ?? 0,
            packetCount: UInt32(truncatingIfNeeded: packetsSent),
            octetCount: UInt32(truncatingIfNeeded: payloadBytesSent), reportBlocks: reportBlocks)
    }

    /// Takes a report block about this source received at `now` and returns the round-trip time
    /// it shows: now − (our SR's send instant) − DLSR, the §6.4.1 formula on the monotonic clock.
    /// Nil when the block carries no LSR or names an SR we do not remember.
    @discardableResult
    package mutating func receivedReportBlock(_ block: RTCPReportBlock, at now: LoopInstant) -> Duration? {
        guard block.ssrc == ssrc, block.lastSenderReport != 0,
            let sr = reports.last(where: { $0.ntp == block.lastSenderReport })
        else { return nil }
        let rtt = now.since(sr.sentAt) - NTPTime.duration(compact: block.delaySinceLastSenderReport)
        roundTripTime = max(rtt, .zero)
        return roundTripTime
    }

    /// The round-trip time of RFC 3550 §6.4.1 from compact NTP values alone: A − LSR − DLSR,
    /// with A the block's arrival time; nil without LSR or when the result is negative.
    static func roundTripTime(arrival: UInt32, lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32)
        -> Duration?
    {
        guard lastSenderReport != 0 else { return nil }
        let units = Int32(bitPattern: arrival &- lastSenderReport &- delaySinceLastSenderReport)
        return units < 0 ? nil : NTPTime.duration(compact: UInt32(units))
    }
}
