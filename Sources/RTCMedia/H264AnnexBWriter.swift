/// Writes H.264 access units (Annex B, as `H264Depacketizer` emits them) to a raw `.h264`
/// stream, each written through to the file at once. The format has no header or index, so
/// the file is valid at every frame boundary; it carries no timing (players assume 25 or read
/// the SPS's VUI timing).
public final class H264AnnexBWriter: MediaFileWriter {
    public var codec: MediaCodec { .h264 }
    public var path: String { file.path }
    private let file: MediaFileOutput

    /// Creates (or truncates) the file.
    /// - Throws: `MediaFileError.cannotOpen`.
    public init(path: String) throws(MediaFileError) {
        file = try MediaFileOutput(path: path)
    }

    public func write(_ frame: MediaFrame) throws(MediaFileError) {
        guard !frame.data.isEmpty else { return }
        // An access unit not starting with a start code would glue onto the previous NAL unit.
        if frame.data.starts(with: [0, 0, 1]) || frame.data.starts(with: [0, 0, 0, 1]) {
            try file.write(frame.data)
        } else {
            try file.write(H264NALUnit.startCode + frame.data)
        }
    }

    public func close() throws(MediaFileError) { try file.close() }
}
