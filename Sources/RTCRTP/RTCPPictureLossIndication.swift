import RTCCore

/// A picture loss indication, payload-specific feedback PT 206 FMT 1 (RFC 4585 §6.3.1): the
/// receiver lost part of the picture and asks the sender for a keyframe. No FCI.
///
///    |V=2|P|  FMT=1  |    PT=206     |          length=2             |
///    |                  SSRC of packet sender                        |
///    |                  SSRC of media source                         |
package struct RTCPPictureLossIndication: Equatable, Sendable {
    static let format: UInt8 = 1

    var senderSSRC: UInt32
    package var mediaSSRC: UInt32

    package init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    /// FCI bytes, which RFC 4585 does not define for PLI, are ignored.
    init(_ r: inout ByteReader) throws(RTPError) {
        let (sender, media) = try RTCPPacket.readFeedbackSSRCs(&r, "PLI")
        self.init(senderSSRC: sender, mediaSSRC: media)
    }

    func write(_ w: inout ByteWriter) {
        let start = RTCPHeader.begin(count: Self.format, packetType: RTCPHeader.payloadSpecificFeedback, &w)
        w.write(senderSSRC)
        w.write(mediaSSRC)
        RTCPHeader.finish(start, &w)
    }
}
