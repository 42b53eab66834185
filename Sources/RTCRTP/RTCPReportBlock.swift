import RTCCore

/// One reception report block of an SR or RR (RFC 3550 §6.4.1), 24 bytes on the wire.
///
///    |                 SSRC_1 (SSRC of first source)                 |
///    | fraction lost |       cumulative number of packets lost       |
///    |           extended highest sequence number received           |
///    |                      interarrival jitter                      |
///    |                         last SR (LSR)                         |
///    |                   delay since last SR (DLSR)                  |
package struct RTCPReportBlock: Equatable, Sendable {
    static let size = 24

    /// The source this block reports on.
    package var ssrc: UInt32
    /// Packets lost since the previous report, as a fixed-point fraction of 256.
    var fractionLost: UInt8
    /// Expected minus received since the start, a signed 24-bit value (duplicates can make it negative).
    package var cumulativeLost: Int32
    /// Cycles in the high 16 bits, the highest sequence number in the low 16 (RFC 3550 A.1).
    var extendedHighestSequenceNumber: UInt32
    /// Interarrival jitter in timestamp units (RFC 3550 A.8).
    var jitter: UInt32
    /// The middle 32 bits of the NTP time of the last SR received from the source, 0 if none.
    var lastSenderReport: UInt32
    /// Time since that SR was received, in 1/65536 s.
    var delaySinceLastSenderReport: UInt32

    init(
        ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequenceNumber: UInt32 = 0,
        jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    /// The 24-bit field's range.
    static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    static func read(_ r: inout ByteReader, index: Int) throws(RTPError) -> RTCPReportBlock {
        let at = r.offset
        guard let ssrc = r.readUInt32(), let lost = r.readUInt32(), let ehsn = r.readUInt32(),
            let jitter = r.readUInt32(), let lsr = r.readUInt32(), let dlsr = r.readUInt32()
        else { throw .rtcp(offset: at, "report block \(index + 1) truncated") }
        let cumulative = Int32(bitPattern: lost << 8) >> 8  // sign-extends the low 24 bits
        return RTCPReportBlock(
            ssrc: ssrc, fractionLost: UInt8(lost >> 24), cumulativeLost: cumulative,
            extendedHighestSequenceNumber: ehsn, jitter: jitter, lastSenderReport: lsr,
            delaySinceLastSenderReport: dlsr)
    }

    /// Writes the block; the cumulative loss is clamped to its 24-bit range (RFC 3550 A.3).
    func write(_ w: inout ByteWriter) {
        let lost = min(max(cumulativeLost, Self.cumulativeLostRange.lowerBound), Self.cumulativeLostRange.upperBound)
        w.write(ssrc)
        w.write(UInt32(fractionLost) << 24 | UInt32(bitPattern: lost) & 0xFF_FFFF)
        w.write(extendedHighestSequenceNumber)
        w.write(jitter)
        w.write(lastSenderReport)
        w.write(delaySinceLastSenderReport)
    }
}
