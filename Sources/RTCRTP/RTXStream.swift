/// RTP retransmission in a separate stream (RFC 4588): a resent packet goes out on the RTX SSRC
/// and payload type (`a=fmtp:<rtx> apt=<original>`, §8.1) with its own sequence numbers, and
/// carries the original sequence number (OSN) in the first two payload bytes (§4).
///
///    |                         RTP Header                            |
///    |            OSN                |                               |
///    |                  Original RTP Packet Payload                  |
package struct RTXStream {
    package let ssrc: UInt32
    package let payloadType: UInt8
    /// The next RTX sequence number (its own space, random start per RFC 3550 §5.1).
    private(set) package var nextSequenceNumber: UInt16

    package init(ssrc: UInt32, payloadType: UInt8, initialSequenceNumber: UInt16) {
        self.ssrc = ssrc
        self.payloadType = payloadType & 0x7F
        nextSequenceNumber = initialSequenceNumber
    }

    /// The retransmission of `original`: same marker, timestamp, CSRCs and header extensions (§4),
    /// the RTX SSRC, payload type and next sequence number, and the OSN before the payload.
    /// Padding is dropped.
    package mutating func wrap(_ original: RTPPacket) -> RTPPacket {
        defer { nextSequenceNumber &+= 1 }
        var payload: [UInt8] = [
            UInt8(original.sequenceNumber >> 8), UInt8(truncatingIfNeeded: original.sequenceNumber),
        ]
        payload.append(contentsOf: original.payload)
        return RTPPacket(
            marker: original.marker, payloadType: payloadType, sequenceNumber: nextSequenceNumber,
            timestamp: original.timestamp, ssrc: ssrc, csrcs: original.csrcs,
            headerExtension: original.headerExtension, payload: payload)
    }

    /// The original packet inside RTX packet `rtx` (§4), given the source it repairs.
    /// - Throws: `RTPError.truncated` when the payload is shorter than the OSN (an RTX packet of
    ///   padding only, as senders use for bandwidth probing, repairs nothing).
    package static func unwrap(_ rtx: RTPPacket, ssrc: UInt32, payloadType: UInt8) throws(RTPError) -> RTPPacket {
        guard rtx.payload.count >= 2 else { throw .truncated("RTX original sequence number (RFC 4588 §4)") }
        return RTPPacket(
            marker: rtx.marker, payloadType: payloadType & 0x7F,
            sequenceNumber: UInt16(rtx.payload[0]) << 8 | UInt16(rtx.payload[1]), timestamp: rtx.timestamp,
            ssrc: ssrc, csrcs: rtx.csrcs, headerExtension: rtx.headerExtension, payload: Array(rtx.payload[2...]))
    }
}
