import RTCRTP

/// Reassembles VP9 pictures from RTP (RFC 9628): the payload descriptor is stripped, layer
/// frames run from B=1 to E=1, and a picture is the layer frames sharing one timestamp. A
/// picture with several spatial layers becomes one superframe (VP9 bitstream spec Annex B), as
/// IVF and decoders take it. Keyframe: P=0 on the first packet of spatial layer 0 (§4.2).
public struct VP9Depacketizer: RTPDepacketizer {
    private var assembly = VideoFrameAssembly()
    private var parser = VP9PayloadParser()

    public init() {}

    public mutating func push(_ packet: RTPPacket) -> [MediaFrame] { assembly.push(packet, parser: &parser) }
    public var needsKeyframe: Bool { assembly.needsKeyframe }
    public var droppedFrames: Int { assembly.droppedFrames }
}

struct VP9PayloadParser: VideoPayloadParser {
    private var layerFrames: [[UInt8]] = []
    private var current: [UInt8]?
    private var isKeyframe = false

    func canStartFrame(_ payload: [UInt8]) -> Bool {
        VP9PayloadDescriptor.parse(payload)?.0.isStartOfFrame ?? false
    }

    mutating func begin() {
        layerFrames.removeAll()
        current = nil
        isKeyframe = false
    }

    mutating func append(_ payload: [UInt8]) -> Bool {
        guard let (d, length) = VP9PayloadDescriptor.parse(payload) else { return false }
        if d.isStartOfFrame {
            guard current == nil else { return false }
            if layerFrames.isEmpty { isKeyframe = d.startsKeyframe }
            current = []
        }
        guard current != nil else { return false }
        current! += payload[length...]
        if d.isEndOfFrame {
            layerFrames.append(current!)
            current = nil
        }
        return true
    }

    mutating func finish() -> (data: [UInt8], isKeyframe: Bool)? {
        guard current == nil, !layerFrames.isEmpty, layerFrames.count <= 8 else { return nil }
        if layerFrames.count == 1 { return (layerFrames[0], isKeyframe) }
        return (Self.superframe(layerFrames), isKeyframe)
    }

    /// Frames joined with a superframe index (VP9 bitstream spec Annex B.3): marker 0b110,
    /// bytes per size minus 1, frame count minus 1; the sizes little-endian; the marker again.
    static func superframe(_ frames: [[UInt8]]) -> [UInt8] {
        let largest = frames.map(\.count).max() ?? 0
        let sizeBytes = largest < 1 << 8 ? 1 : largest < 1 << 16 ? 2 : largest < 1 << 24 ? 3 : 4
        let marker = 0xC0 | UInt8(sizeBytes - 1) << 3 | UInt8(frames.count - 1)
        var out = frames.flatMap { $0 }
        out.append(marker)
        for f in frames {
            for i in 0..<sizeBytes { out.append(UInt8(truncatingIfNeeded: f.count >> (8 * i))) }
        }
        out.append(marker)
        return out
    }
}
