import RTCCore

/// A full intra request, payload-specific feedback PT 206 FMT 4 (RFC 5104 §4.3.1): asks each
/// listed sender for a decoder refresh point. The command sequence number tells a repeated
/// request from a new one (§4.3.1.2); the media source SSRC field is 0 (§4.3.1.2).
///
///    |V=2|P|  FMT=4  |    PT=206     |          length               |
///    |                  SSRC of packet sender                        |
///    |                  SSRC of media source (0)                     |
///    |                              SSRC                             |  ×N
///    | Seq nr.       |    Reserved                                   |
package struct RTCPFullIntraRequest: Equatable, Sendable {
    static let format: UInt8 = 4

    package struct Entry: Equatable, Sendable {
        package var ssrc: UInt32
        var sequenceNumber: UInt8
    }

    var senderSSRC: UInt32
    var mediaSSRC: UInt32
    package var entries: [Entry]

    init(senderSSRC: UInt32, mediaSSRC: UInt32 = 0, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    init(_ r: inout ByteReader) throws(RTPError) {
        let (sender, media) = try RTCPPacket.readFeedbackSSRCs(&r, "FIR")
        guard r.remaining % 8 == 0 else {
            throw .rtcp(offset: r.offset, "FIR FCI of \(r.remaining) bytes is not whole 8-byte entries")
        }
        var entries: [Entry] = []
        while let ssrc = r.readUInt32(), let word = r.readUInt32() {
            entries.append(Entry(ssrc: ssrc, sequenceNumber: UInt8(word >> 24)))
        }
        self.init(senderSSRC: sender, mediaSSRC: media, entries: entries)
    }

    func write(_ w: inout ByteWriter) {
        let start = RTCPHeader.begin(count: Self.format, packetType: RTCPHeader.payloadSpecificFeedback, &w)
        w.write(senderSSRC)
        w.write(mediaSSRC)
        for e in entries {
            w.write(e.ssrc)
            w.write(UInt32(e.sequenceNumber) << 24)
        }
        RTCPHeader.finish(start, &w)
    }
}
