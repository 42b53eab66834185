/// What the start of a VP9 frame's uncompressed header says (VP9 bitstream spec §6.2): whether
/// it is a key frame and, if so, its size. For a superframe the first frame is read.
public struct VP9FrameHeader: Equatable, Sendable {
    /// The VP9 profile (0-3).
    public var profile: Int
    /// frame_type KEY_FRAME and not show_existing_frame.
    public var isKeyframe: Bool
    /// Width and height in pixels (key frames only).
    public var width: Int?
    public var height: Int?

    /// Parses the header; nil when the frame marker or sync code is wrong or bytes run short.
    public init?(_ frame: [UInt8]) {
        var r = MediaBitReader(frame)
        guard r.read(2) == 2, let low = r.read(1), let high = r.read(1) else { return nil }
        profile = Int(high << 1 | low)
        if profile == 3 { guard r.read(1) != nil else { return nil } }
        guard let showExisting = r.flag() else { return nil }
        if showExisting {
            isKeyframe = false
            return
        }
        guard let frameType = r.read(1), r.read(2) != nil else { return nil }  // show_frame, error_resilient
        isKeyframe = frameType == 0
        guard isKeyframe else { return }
        guard r.read(24) == 0x49_8342 else { return nil }
        if profile >= 2 { guard r.read(1) != nil else { return nil } }
        guard let colorSpace = r.read(3) else { return nil }
        let extraBits =
            colorSpace != 7 ? (profile == 1 || profile == 3 ? 4 : 1) : (profile == 1 || profile == 3 ? 1 : 0)
        guard r.read(extraBits) != nil, let w = r.read(16), let h = r.read(16) else { return nil }
        width = Int(w) + 1
        height = Int(h) + 1
    }
}
