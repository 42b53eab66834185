import RTCRTP

/// Opus (RFC 7587 §4.2), PCMU and PCMA (RFC 3551 §4.5.14): each RTP payload is one frame, so
/// nothing is reassembled and a loss costs only the lost packet. Empty payloads are skipped.
public struct AudioDepacketizer: RTPDepacketizer {
    public private(set) var droppedFrames = 0

    public init() {}

    public mutating func push(_ packet: RTPPacket) -> [MediaFrame] {
        guard !packet.payload.isEmpty else {
            droppedFrames += 1
            return []
        }
        return [MediaFrame(data: packet.payload, rtpTimestamp: packet.timestamp, isKeyframe: true)]
    }

    /// Audio frames are independent; no keyframe is ever needed.
    public var needsKeyframe: Bool { false }
}
