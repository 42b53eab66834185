import RTCRTP

/// Reassembles VP8 frames from RTP (RFC 7741): the payload descriptor of each packet is
/// stripped and the rest concatenated; a frame starts at S=1, PID=0 and is a keyframe when the
/// P bit of its VP8 payload header is 0 (RFC 7741 §4.3; RFC 6386 §9.1).
public struct VP8Depacketizer: RTPDepacketizer {
    private var assembly = VideoFrameAssembly()
    private var parser = VP8PayloadParser()

    public init() {}

    public mutating func push(_ packet: RTPPacket) -> [MediaFrame] { assembly.push(packet, parser: &parser) }
    public var needsKeyframe: Bool { assembly.needsKeyframe }
    public var droppedFrames: Int { assembly.droppedFrames }
}

struct VP8PayloadParser: VideoPayloadParser {
    private var data: [UInt8] = []

    func canStartFrame(_ payload: [UInt8]) -> Bool {
        VP8PayloadDescriptor.parse(payload)?.0.isStartOfFrame ?? false
    }

    mutating func begin() { data.removeAll(keepingCapacity: true) }

    mutating func append(_ payload: [UInt8]) -> Bool {
        guard let (_, length) = VP8PayloadDescriptor.parse(payload) else { return false }
        data += payload[length...]
        return true
    }

    mutating func finish() -> (data: [UInt8], isKeyframe: Bool)? {
        guard let first = data.first else { return nil }
        // The VP8 payload header's P bit (inverse key frame flag) is the frame tag's bit 0.
        return (data, first & 0x01 == 0)
    }
}
