import RTCRTP

/// Packetizes the frames of one outgoing stream: payloads from the codec's `RTPPacketizer`,
/// headers with a continuous sequence number (wrapping at 2^16, RFC 3550 §5.1), the frame's
/// timestamp plus a fixed offset, the SSRC and payload type, and the marker bit on the last
/// packet of a video frame (RFC 7741 §4.1, RFC 6184 §5.1) or on the first audio packet
/// (beginning of a talkspurt, RFC 3551 §4.1).
public struct RTPStreamPacketizer {
    /// The codec whose payload format is used.
    public let codec: MediaCodec
    /// The negotiated payload type written in every packet.
    public var payloadType: UInt8
    /// The stream's SSRC (RFC 3550 §8: random).
    public var ssrc: UInt32
    /// The sequence number of the next packet.
    public var nextSequenceNumber: UInt16
    /// Added to each frame's `rtpTimestamp` (RFC 3550 §5.1: the initial value is random).
    public var timestampOffset: UInt32
    private var packetizer: any RTPPacketizer
    private var sentAny = false

    /// - Parameters:
    ///   - payloadType: nil for the codec's default.
    ///   - initialSequenceNumber: the first packet's (RFC 3550 §5.1: random).
    ///   - maxPayloadSize: the payload budget per packet (see `RTPPacketizer`).
    public init(
        codec: MediaCodec, payloadType: UInt8? = nil, ssrc: UInt32, initialSequenceNumber: UInt16,
        timestampOffset: UInt32, maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize
    ) {
        self.codec = codec
        self.payloadType = payloadType ?? codec.defaultPayloadType
        self.ssrc = ssrc
        nextSequenceNumber = initialSequenceNumber
        self.timestampOffset = timestampOffset
        packetizer = codec.makePacketizer(maxPayloadSize: maxPayloadSize)
    }

    /// The packets of one frame.
    public mutating func packetize(_ frame: MediaFrame) -> [RTPPacket] {
        let payloads = packetizer.payloads(for: frame)
        let timestamp = timestampOffset &+ frame.rtpTimestamp
        var packets: [RTPPacket] = []
        packets.reserveCapacity(payloads.count)
        for (i, payload) in payloads.enumerated() {
            let marker = codec.kind == .video ? i == payloads.count - 1 : !sentAny
            sentAny = true
            packets.append(
                RTPPacket(
                    marker: marker, payloadType: payloadType, sequenceNumber: nextSequenceNumber, timestamp: timestamp,
                    ssrc: ssrc, payload: payload))
            nextSequenceNumber &+= 1
        }
        return packets
    }
}
