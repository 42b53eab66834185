import RTCCore

/// Receiver estimated maximum bitrate (REMB), an application-layer feedback message
/// (PT 206 FMT 15, RFC 4585 §6.4) identified by "REMB" (draft-alvestrand-rmcat-remb-03 §2.2).
/// Chromium sends it when `goog-remb` is negotiated.
///
///    |V=2|P| FMT=15  |   PT=206      |             length            |
///    |                  SSRC of packet sender                        |
///    |                  SSRC of media source (0)                     |
///    |  Unique identifier 'R' 'E' 'M' 'B'                            |
///    |  Num SSRC     | BR Exp    |  BR Mantissa                      |
///    |   SSRC feedback                                               |  ×Num SSRC
package struct RTCPReceiverEstimatedMaxBitrate: Equatable, Sendable {
    static let format: UInt8 = 15
    static let identifier: [UInt8] = Array("REMB".utf8)

    var senderSSRC: UInt32
    var mediaSSRC: UInt32
    /// 6 bits.
    var exponent: UInt8
    /// 18 bits.
    var mantissa: UInt32
    /// The media streams the estimate covers.
    var ssrcs: [UInt32]

    /// The estimate in bits per second, mantissa × 2^exponent (saturating).
    var bitrate: UInt64 {
        let m = UInt64(mantissa)
        return exponent >= 64 || m.leadingZeroBitCount < Int(exponent) ? .max : m << exponent
    }

    /// An estimate of `bitrate` (rounded down to 18 significant bits) for `ssrcs`.
    init(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32]) {
        var exponent: UInt8 = 0
        var m = bitrate
        while m >= 1 << 18 {
            m >>= 1
            exponent += 1
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: 0, exponent: exponent, mantissa: UInt32(m), ssrcs: ssrcs)
    }

    init(senderSSRC: UInt32, mediaSSRC: UInt32, exponent: UInt8, mantissa: UInt32, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.exponent = exponent & 0x3F
        self.mantissa = mantissa & 0x3_FFFF
        self.ssrcs = ssrcs
    }

    /// True when the FCI at the reader starts with "REMB" (after the two SSRCs).
    static func matches(_ r: ByteReader) -> Bool {
        var probe = r
        return probe.skip(8) && probe.readBytes(4) == identifier
    }

    init(_ r: inout ByteReader) throws(RTPError) {
        let (sender, media) = try RTCPPacket.readFeedbackSSRCs(&r, "REMB")
        let at = r.offset
        guard r.readBytes(4) == Self.identifier, let word = r.readUInt32() else {
            throw .rtcp(offset: at, "REMB identifier or bitrate truncated")
        }
        var ssrcs: [UInt32] = []
        for n in 0..<Int(word >> 24) {
            let ssrcAt = r.offset
            guard let s = r.readUInt32() else { throw .rtcp(offset: ssrcAt, "REMB SSRC \(n + 1) truncated") }
            ssrcs.append(s)
        }
        self.init(
            senderSSRC: sender, mediaSSRC: media, exponent: UInt8(word >> 18 & 0x3F), mantissa: word & 0x3_FFFF,
            ssrcs: ssrcs)
    }

    func write(_ w: inout ByteWriter) {
        let sent = ssrcs.prefix(255)
        let start = RTCPHeader.begin(count: Self.format, packetType: RTCPHeader.payloadSpecificFeedback, &w)
        w.write(senderSSRC)
        w.write(mediaSSRC)
        w.write(contentsOf: Self.identifier)
        w.write(UInt32(sent.count) << 24 | UInt32(exponent & 0x3F) << 18 | mantissa & 0x3_FFFF)
        for s in sent { w.write(s) }
        RTCPHeader.finish(start, &w)
    }
}
