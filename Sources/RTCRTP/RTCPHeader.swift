import RTCCore

/// The header every RTCP packet starts with (RFC 3550 §6.4.1), and the packet type numbers.
///
///     0                   1                   2                   3
///    |V=2|P|  RC/FMT |       PT      |             length            |
///
/// `length` counts 32-bit words minus one, header included; the 5-bit count is a report, source
/// or item count, or the feedback message type (FMT) in RFC 4585 packets.
struct RTCPHeader: Equatable, Sendable {
    static let senderReport: UInt8 = 200  // RFC 3550 §6.4.1
    static let receiverReport: UInt8 = 201  // RFC 3550 §6.4.2
    static let sourceDescription: UInt8 = 202  // RFC 3550 §6.5
    static let goodbye: UInt8 = 203  // RFC 3550 §6.6
    static let application: UInt8 = 204  // RFC 3550 §6.7
    static let transportLayerFeedback: UInt8 = 205  // RFC 4585 §6.1 RTPFB
    static let payloadSpecificFeedback: UInt8 = 206  // RFC 4585 §6.1 PSFB
    static let extendedReport: UInt8 = 207  // RFC 3611

    static let length = 4

    var padding: Bool
    /// RC, SC or FMT: 0–31.
    var count: UInt8
    var packetType: UInt8
    /// The packet's length in words minus one.
    var length: UInt16

    /// The whole packet's size in bytes, header and padding included.
    var packetSize: Int { (Int(length) + 1) * 4 }

    /// Reads a header at the reader's offset.
    /// - Throws: `RTPError.rtcp` when fewer than 4 bytes remain or the version is not 2.
    static func read(_ r: inout ByteReader) throws(RTPError) -> RTCPHeader {
        let at = r.offset
        guard let b0 = r.readUInt8(), let pt = r.readUInt8(), let length = r.readUInt16() else {
            throw .rtcp(offset: at, "truncated header")
        }
        guard b0 >> 6 == 2 else { throw .rtcp(offset: at, "version \(b0 >> 6), expected 2") }
        return RTCPHeader(padding: b0 & 0x20 != 0, count: b0 & 0x1F, packetType: pt, length: length)
    }

    /// Starts a packet: writes a header whose length `finish` fills in; returns its offset.
    static func begin(count: UInt8, packetType: UInt8, _ w: inout ByteWriter) -> Int {
        let start = w.count
        w.write(2 << 6 | (count & 0x1F))
        w.write(packetType)
        w.write(UInt16(0))
        return start
    }

    /// Ends the packet begun at `start`: pads the body to a word boundary (setting P and the count
    /// octet, RFC 3550 §6.4.1) when it is not aligned, and writes the length.
    static func finish(_ start: Int, _ w: inout ByteWriter) {
        let unaligned = (w.count - start) % 4
        if unaligned != 0 {
            let pad = 4 - unaligned
            w.write(contentsOf: [UInt8](repeating: 0, count: pad - 1))
            w.write(UInt8(pad))
            w.set(UInt16(w.bytes[start] | 0x20) << 8 | UInt16(w.bytes[start + 1]), at: start)
        }
        w.set(UInt16(truncatingIfNeeded: (w.count - start) / 4 - 1), at: start + 2)
    }
}
