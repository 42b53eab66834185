/// Writes VP8, VP9 or AV1 frames to an IVF file as they come. The header goes out at once
/// (640x480 until known); the first key frame's size (VP8 RFC 6386 §9.1, VP9 uncompressed
/// header, AV1 sequence header) is patched in, and the frame count after every frame, so the
/// file is valid at any moment. Timestamps are the frames' RTP timestamps from the first one,
/// in a 1/90000 time base (the RTP video clock), never going backwards.
public final class IVFWriter: MediaFileWriter {
    public let codec: MediaCodec
    public var path: String { file.path }
    private let file: MediaFileOutput
    private var header: IVFHeader
    private var sizeKnown = false
    private var firstTimestamp: UInt32?
    private var lastPTS: UInt64?
    /// Unwrapped RTP time from the first frame (RTP timestamps wrap at 2^32).
    private var elapsed: UInt64 = 0
    private var previousTimestamp: UInt32 = 0

    /// - Throws: `MediaFileError` when `codec` is not VP8/VP9/AV1 or the file cannot be created.
    public init(path: String, codec: MediaCodec) throws(MediaFileError) {
        guard let fourcc = IVFHeader.fourcc(for: codec) else {
            throw .unsupported("IVF holds VP8, VP9 or AV1, not \(codec.encodingName) (\(path))")
        }
        self.codec = codec
        file = try MediaFileOutput(path: path)
        header = IVFHeader(fourcc: fourcc, width: 640, height: 480)
        try file.write(header.serialized())
    }

    public func write(_ frame: MediaFrame) throws(MediaFileError) {
        if !sizeKnown, frame.isKeyframe, let (w, h) = Self.pictureSize(frame.data, codec: codec) {
            sizeKnown = true
            header.width = UInt16(clamping: w)
            header.height = UInt16(clamping: h)
            try file.overwrite(le16(header.width) + le16(header.height), at: 12)
        }
        if firstTimestamp == nil {
            firstTimestamp = frame.rtpTimestamp
        } else {
            // Forward steps only; a backwards jump (source restart) keeps time still.
            let step = Int32(bitPattern: frame.rtpTimestamp &- previousTimestamp)
            if step > 0 { elapsed += UInt64(step) }
        }
        previousTimestamp = frame.rtpTimestamp
        var pts = elapsed
        if let last = lastPTS, pts <= last { pts = last + 1 }
        lastPTS = pts
        try file.write(le32(UInt32(frame.data.count)) + le64(pts) + frame.data)
        header.frameCount += 1
        try file.overwrite(le32(header.frameCount), at: 24)
    }

    public func close() throws(MediaFileError) { try file.close() }

    /// Width and height from a key frame, when its header says.
    static func pictureSize(_ data: [UInt8], codec: MediaCodec) -> (Int, Int)? {
        switch codec {
        case .vp8:
            guard let h = VP8FrameHeader(data), let w = h.width, let hh = h.height else { return nil }
            return (w, hh)
        case .vp9:
            guard let h = VP9FrameHeader(data), let w = h.width, let hh = h.height else { return nil }
            return (w, hh)
        case .av1:
            guard let obus = AV1OBU.parseStream(data),
                let seq = obus.first(where: { $0.type == AV1OBU.sequenceHeader }),
                let s = AV1SequenceHeader(seq.payload)
            else { return nil }
            return (s.maxWidth, s.maxHeight)
        default:
            return nil
        }
    }
}
