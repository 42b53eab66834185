/// What a VP8 key frame's header says (RFC 6386 §9.1): the frame tag's key-frame bit and, for
/// key frames, the picture size after the start code 9d 01 2a.
public struct VP8FrameHeader: Equatable, Sendable {
    /// The frame tag's frame type bit is 0.
    public var isKeyframe: Bool
    /// Width and height in pixels (key frames only).
    public var width: Int?
    public var height: Int?

    /// Parses the 3-byte frame tag and, on a key frame, the 7 bytes after it; nil when too short
    /// or the start code is wrong.
    public init?(_ frame: [UInt8]) {
        guard frame.count >= 3 else { return nil }
        isKeyframe = frame[0] & 0x01 == 0
        guard isKeyframe else { return }
        guard frame.count >= 10, frame[3] == 0x9D, frame[4] == 0x01, frame[5] == 0x2A else { return nil }
        width = Int(UInt16(frame[6]) | UInt16(frame[7] & 0x3F) << 8)
        height = Int(UInt16(frame[8]) | UInt16(frame[9] & 0x3F) << 8)
    }
}
