/// Splits VP8 frames into RTP payloads (RFC 7741 §4): each with a payload descriptor carrying
/// a 15-bit picture ID (as browsers send, §4.2), S=1 and PID 0 on the first packet of the frame.
public struct VP8Packetizer: RTPPacketizer {
    public let maxPayloadSize: Int
    /// The picture ID of the next frame; it increments per frame, wrapping at 2^15.
    public var pictureID: UInt16

    /// - Parameter pictureID: the first frame's picture ID (15 bits).
    public init(maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize, pictureID: UInt16 = 0) {
        self.maxPayloadSize = maxPayloadSize
        self.pictureID = pictureID & 0x7FFF
    }

    public mutating func payloads(for frame: MediaFrame) -> [[UInt8]] {
        guard !frame.data.isEmpty else { return [] }
        var descriptor = VP8PayloadDescriptor(isStartOfPartition: true, pictureID: pictureID)
        pictureID = (pictureID + 1) & 0x7FFF
        let header = descriptor.serialized()
        var out: [[UInt8]] = []
        var offset = 0
        for size in balancedChunks(total: frame.data.count, capacity: max(1, maxPayloadSize - header.count)) {
            out.append(descriptor.serialized() + frame.data[offset..<offset + size])
            offset += size
            descriptor.isStartOfPartition = false
        }
        return out
    }
}
