import RTCCore

/// A receiver report, PT 201 (RFC 3550 §6.4.2): reception report blocks from a participant that
/// is not sending (or has more blocks than fit in its SR).
///
///    |V=2|P|    RC   |   PT=RR=201   |             length            |
///    |                     SSRC of packet sender                     |
///    |                  report blocks (RC × 24 bytes)                |
///    |                  profile-specific extensions                  |
package struct RTCPReceiverReport: Equatable, Sendable {
    var ssrc: UInt32
    /// At most 31 are sent (the RC field's range).
    package var reportBlocks: [RTCPReportBlock]
    var profileExtensions: [UInt8]

    package init(ssrc: UInt32, reportBlocks: [RTCPReportBlock] = [], profileExtensions: [UInt8] = []) {
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
        self.profileExtensions = profileExtensions
    }

    init(header: RTCPHeader, _ r: inout ByteReader) throws(RTPError) {
        let at = r.offset
        guard let ssrc = r.readUInt32() else { throw .rtcp(offset: at, "RR sender SSRC truncated") }
        var blocks: [RTCPReportBlock] = []
        for i in 0..<Int(header.count) { blocks.append(try RTCPReportBlock.read(&r, index: i)) }
        self.init(ssrc: ssrc, reportBlocks: blocks, profileExtensions: r.readBytes(r.remaining) ?? [])
    }

    func write(_ w: inout ByteWriter) {
        let blocks = reportBlocks.prefix(31)
        let start = RTCPHeader.begin(count: UInt8(blocks.count), packetType: RTCPHeader.receiverReport, &w)
        w.write(ssrc)
        for b in blocks { b.write(&w) }
        w.write(contentsOf: profileExtensions)
        RTCPHeader.finish(start, &w)
    }
}
