/// Splits VP9 frames into RTP payloads in non-flexible mode (RFC 9628 §4.2), one spatial and
/// one temporal layer: a 15-bit picture ID; layer indices with TL0PICIDX (which libwebrtc
/// requires in this mode); B and E on the first and last packet; P=0 on key frames, whose first
/// packet carries the scalability structure with the resolution and a one-picture group that
/// references the previous picture (§4.2.1).
public struct VP9Packetizer: RTPPacketizer {
    public let maxPayloadSize: Int
    /// The picture ID of the next frame (15 bits).
    public var pictureID: UInt16
    /// TL0PICIDX of the next frame; every frame is in temporal layer 0.
    public var tl0PictureIndex: UInt8

    public init(maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize, pictureID: UInt16 = 0) {
        self.maxPayloadSize = maxPayloadSize
        self.pictureID = pictureID & 0x7FFF
        tl0PictureIndex = 0
    }

    public mutating func payloads(for frame: MediaFrame) -> [[UInt8]] {
        guard !frame.data.isEmpty else { return [] }
        let descriptor = VP9PayloadDescriptor(
            isInterPredicted: !frame.isKeyframe, isStartOfFrame: true, isEndOfFrame: false, pictureID: pictureID,
            layer: .init(tl0PictureIndex: tl0PictureIndex))
        pictureID = (pictureID + 1) & 0x7FFF
        tl0PictureIndex &+= 1
        var firstDescriptor = descriptor
        if frame.isKeyframe {
            var ss = VP9PayloadDescriptor.ScalabilityStructure(
                spatialLayers: 1, pictureGroup: [.init(temporalID: 0, isSwitchingUp: false, referenceDiffs: [1])])
            if let h = VP9FrameHeader(frame.data), let w = h.width, let hh = h.height {
                ss.resolutions = [.init(width: UInt16(clamping: w), height: UInt16(clamping: hh))]
            }
            firstDescriptor.scalability = ss
        }
        var out: [[UInt8]] = []
        var offset = 0
        // The first packet carries the larger header; size the chunks by it.
        let capacity = max(1, maxPayloadSize - firstDescriptor.serialized().count)
        let sizes = balancedChunks(total: frame.data.count, capacity: capacity)
        for (i, size) in sizes.enumerated() {
            var d = i == 0 ? firstDescriptor : descriptor
            d.isStartOfFrame = i == 0
            d.isEndOfFrame = i == sizes.count - 1
            out.append(d.serialized() + frame.data[offset..<offset + size])
            offset += size
        }
        return out
    }
}
