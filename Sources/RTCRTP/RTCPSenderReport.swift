import RTCCore

/// A sender report, PT 200 (RFC 3550 §6.4.1): the sender's NTP and RTP clocks at one instant,
/// its packet and octet counts, and reception report blocks for the sources it hears.
///
///    |V=2|P|    RC   |   PT=SR=200   |             length            |
///    |                         SSRC of sender                        |
///    |              NTP timestamp, most significant word             |
///    |             NTP timestamp, least significant word             |
///    |                         RTP timestamp                         |
///    |                     sender's packet count                     |
///    |                      sender's octet count                     |
///    |                  report blocks (RC × 24 bytes)                |
///    |                  profile-specific extensions                  |
package struct RTCPSenderReport: Equatable, Sendable {
    package var ssrc: UInt32
    /// 64-bit NTP time (RFC 3550 §4): seconds since 1900 in the high word, fraction in the low.
    var ntpTime: UInt64
    /// The RTP timestamp matching `ntpTime` on the media clock.
    var rtpTimestamp: UInt32
    var packetCount: UInt32
    /// Payload octets sent, headers and padding excluded.
    var octetCount: UInt32
    /// At most 31 are sent (the RC field's range).
    package var reportBlocks: [RTCPReportBlock]
    /// Bytes after the report blocks, kept as received.
    var profileExtensions: [UInt8]

    init(
        ssrc: UInt32, ntpTime: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reportBlocks: [RTCPReportBlock] = [], profileExtensions: [UInt8] = []
    ) {
        self.ssrc = ssrc
        self.ntpTime = ntpTime
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
        self.profileExtensions = profileExtensions
    }

    init(header: RTCPHeader, _ r: inout ByteReader) throws(RTPError) {
        let at = r.offset
        guard let ssrc = r.readUInt32(), let ntp = r.readUInt64(), let ts = r.readUInt32(),
            let packets = r.readUInt32(), let octets = r.readUInt32()
        else { throw .rtcp(offset: at, "SR sender info truncated") }
        var blocks: [RTCPReportBlock] = []
        for i in 0..<Int(header.count) { blocks.append(try RTCPReportBlock.read(&r, index: i)) }
        self.init(
            ssrc: ssrc, ntpTime: ntp, rtpTimestamp: ts, packetCount: packets, octetCount: octets,
            reportBlocks: blocks, profileExtensions: r.readBytes(r.remaining) ?? [])
    }

    func write(_ w: inout ByteWriter) {
        let blocks = reportBlocks.prefix(31)
        let start = RTCPHeader.begin(count: UInt8(blocks.count), packetType: RTCPHeader.senderReport, &w)
        w.write(ssrc)
        w.write(ntpTime)
        w.write(rtpTimestamp)
        w.write(packetCount)
        w.write(octetCount)
        for b in blocks { b.write(&w) }
        w.write(contentsOf: profileExtensions)
        RTCPHeader.finish(start, &w)
    }
}
