/// Opus (RFC 7587 §4.2) and G.711 (RFC 3551 §4.5.14): one frame, one packet, never split.
public struct AudioPacketizer: RTPPacketizer {
    public let maxPayloadSize: Int

    public init(maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize) { self.maxPayloadSize = maxPayloadSize }

    public mutating func payloads(for frame: MediaFrame) -> [[UInt8]] {
        frame.data.isEmpty ? [] : [frame.data]
    }
}
