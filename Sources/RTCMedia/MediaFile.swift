/// Chooses a media file format by codec and path extension: IVF (`.ivf`) for VP8, VP9 and AV1,
/// Ogg Opus (`.ogg`, `.opus`) for Opus, H.264 Annex B (`.h264`, `.264`) for H.264, WAV (`.wav`)
/// for PCMU and PCMA.
public enum MediaFile {
    /// The extensions each codec's container uses.
    public static func extensions(for codec: MediaCodec) -> [String] {
        switch codec {
        case .vp8, .vp9, .av1: return ["ivf"]
        case .opus: return ["ogg", "opus"]
        case .h264: return ["h264", "264"]
        case .pcmu, .pcma: return ["wav"]
        }
    }

    /// The container a path's extension names.
    static func format(of path: String) -> Format? {
        switch pathExtension(path) {
        case "ivf": return .ivf
        case "ogg", "opus": return .ogg
        case "h264", "264": return .annexB
        case "wav": return .wav
        default: return nil
        }
    }

    enum Format { case ivf, ogg, annexB, wav }

    /// A writer for `codec` at `path`.
    /// - Throws: `MediaFileError.unsupported` when the extension does not fit the codec, or the
    ///   error opening the file.
    public static func makeWriter(path: String, codec: MediaCodec) throws(MediaFileError) -> any MediaFileWriter {
        guard extensions(for: codec).contains(pathExtension(path)) else { throw mismatch(path, codec) }
        switch codec {
        case .vp8, .vp9, .av1: return try IVFWriter(path: path, codec: codec)
        case .opus: return try OggOpusWriter(path: path)
        case .h264: return try H264AnnexBWriter(path: path)
        case .pcmu, .pcma: return try WAVWriter(path: path, codec: codec)
        }
    }

    /// A reader for `path`, checked against `codec` when given; with `loop` it starts again at
    /// the end, timestamps continuing (`--loop`).
    /// - Throws: `MediaFileError` when the file cannot be opened, is malformed, or holds
    ///   another codec.
    public static func makeReader(
        path: String, codec: MediaCodec? = nil, loop: Bool = false
    )
        throws(MediaFileError) -> any MediaFileReader
    {
        let reader: any MediaFileReader
        switch format(of: path) {
        case .ivf: reader = try IVFReader(path: path)
        case .ogg: reader = try OggOpusReader(path: path)
        case .annexB: reader = try H264AnnexBReader(path: path)
        case .wav: reader = try WAVReader(path: path)
        case nil:
            throw .unsupported("\(path): unknown extension (use .ivf, .ogg, .opus, .h264, .264 or .wav)")
        }
        if let codec, codec != reader.codec {
            throw .unsupported("\(path) holds \(reader.codec.encodingName), not \(codec.encodingName)")
        }
        return loop ? LoopingMediaFileReader(reader) : reader
    }

    private static func mismatch(_ path: String, _ codec: MediaCodec) -> MediaFileError {
        let exts = extensions(for: codec)
        return .unsupported(
            "\(path): \(codec.encodingName) is written to " + exts.map { "." + $0 }.joined(separator: ", "))
    }

    static func pathExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}

/// Repeats a reader's frames forever, each pass's timestamps continuing where the last ended.
final class LoopingMediaFileReader: MediaFileReader {
    private let inner: any MediaFileReader
    private var offset: UInt32 = 0
    private var end: UInt32 = 0
    private var framesThisPass = 0

    init(_ inner: any MediaFileReader) { self.inner = inner }

    var path: String { inner.path }
    var codec: MediaCodec { inner.codec }

    func nextFrame() throws(MediaFileError) -> MediaFrame? {
        if var f = try inner.nextFrame() {
            framesThisPass += 1
            f.rtpTimestamp &+= offset
            end = f.rtpTimestamp &+ (f.duration ?? 0)
            return f
        }
        // An empty file would loop forever without a frame.
        guard framesThisPass > 0 else { return nil }
        try inner.rewind()
        framesThisPass = 0
        offset = end
        return try nextFrame()
    }

    func rewind() throws(MediaFileError) {
        try inner.rewind()
        offset = 0
        end = 0
        framesThisPass = 0
    }
}
