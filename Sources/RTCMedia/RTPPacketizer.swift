/// Splits one codec's frames into RTP payloads of at most `maxPayloadSize` bytes, the inverse
/// of `RTPDepacketizer`. `RTPStreamPacketizer` wraps the payloads in RTP headers.
public protocol RTPPacketizer {
    /// The largest payload produced (RTP header excluded). Audio frames are never split, so an
    /// audio frame larger than this goes out whole.
    var maxPayloadSize: Int { get }
    /// The payloads of one frame, in order; the last one ends the frame.
    mutating func payloads(for frame: MediaFrame) -> [[UInt8]]
}

extension MediaCodec {
    /// The default payload budget: 1,200 bytes keeps an RTP packet with SRTP, UDP, IPv6 and a
    /// TURN channel header under a 1,280-byte path MTU.
    public static let defaultMaxPayloadSize = 1200

    /// A packetizer for this codec's RTP payload format.
    public func makePacketizer(maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize) -> any RTPPacketizer {
        switch self {
        case .vp8: return VP8Packetizer(maxPayloadSize: maxPayloadSize)
        case .vp9: return VP9Packetizer(maxPayloadSize: maxPayloadSize)
        case .h264: return H264Packetizer(maxPayloadSize: maxPayloadSize)
        case .av1: return AV1Packetizer(maxPayloadSize: maxPayloadSize)
        case .opus, .pcmu, .pcma: return AudioPacketizer(maxPayloadSize: maxPayloadSize)
        }
    }
}

/// Sizes of `count` chunks as equal as possible covering `total` bytes, so a frame's last
/// packet is not a runt.
func balancedChunks(total: Int, capacity: Int) -> [Int] {
    guard total > 0 else { return [0] }
    let count = (total + capacity - 1) / capacity
    let base = total / count
    let extra = total % count
    return (0..<count).map { base + ($0 < extra ? 1 : 0) }
}
