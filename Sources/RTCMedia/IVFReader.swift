/// Reads the frames of an IVF file (VP8, VP9, AV1) with their timestamps converted to the
/// 90 kHz RTP clock and durations from the next frame's timestamp (the last frame repeats the
/// one before it; a single frame lasts one time-base tick, or 1/30 s for fine time bases).
public final class IVFReader: MediaFileReader {
    public let codec: MediaCodec
    /// The file's header as read.
    public let header: IVFHeader
    public var path: String { file.path }
    private let file: MediaFileInput
    private var pending: (data: [UInt8], pts: UInt64)?
    private var firstPTS: UInt64?
    private var lastDuration: UInt32?

    /// The largest frame accepted; more is taken as a corrupt size field.
    static let maxFrameSize = 64 << 20

    /// - Throws: `MediaFileError` when the file cannot be opened or its header is not IVF
    ///   with a known fourcc.
    public init(path: String) throws(MediaFileError) {
        file = try MediaFileInput(path: path)
        guard let bytes = try file.read(IVFHeader.length), let h = IVFHeader(parsing: bytes) else {
            throw .malformed(path: path, reason: "no IVF header (DKIF) in the first 32 bytes")
        }
        guard let c = h.codec else { throw .unsupported("\(path): IVF fourcc \(h.fourcc)") }
        guard h.timebaseDenominator > 0, h.timebaseNumerator > 0 else {
            throw .malformed(path: path, reason: "IVF time base \(h.timebaseNumerator)/\(h.timebaseDenominator)")
        }
        header = h
        codec = c
        if h.headerLength > UInt16(IVFHeader.length) {
            guard try file.read(Int(h.headerLength) - IVFHeader.length) != nil else {
                throw .malformed(path: path, reason: "header length \(h.headerLength) past the end")
            }
        }
    }

    public func nextFrame() throws(MediaFileError) -> MediaFrame? {
        if pending == nil { pending = try readRaw() }
        guard let current = pending else { return nil }
        pending = try readRaw()
        let first = firstPTS ?? current.pts
        firstPTS = first
        let ts = ticks(current.pts &- first)
        var duration: UInt32
        if let next = pending, next.pts > current.pts {
            duration = ticks(next.pts - current.pts)
        } else {
            duration = lastDuration ?? max(1, ticks(1))
            if lastDuration == nil && duration < 1000 { duration = 3000 }
        }
        lastDuration = duration
        return MediaFrame(
            data: current.data, rtpTimestamp: ts, isKeyframe: Self.isKeyframe(current.data, codec: codec),
            duration: duration)
    }

    public func rewind() throws(MediaFileError) {
        try file.rewind()
        _ = try file.read(Int(header.headerLength))
        pending = nil
        firstPTS = nil
        lastDuration = nil
    }

    /// Time-base units to 90 kHz ticks.
    private func ticks(_ units: UInt64) -> UInt32 {
        let num = UInt64(header.timebaseNumerator) * 90_000
        let (product, overflow) = units.multipliedReportingOverflow(by: num)
        let t =
            overflow ? units / UInt64(header.timebaseDenominator) * num : product / UInt64(header.timebaseDenominator)
        return UInt32(truncatingIfNeeded: t)
    }

    private func readRaw() throws(MediaFileError) -> (data: [UInt8], pts: UInt64)? {
        guard let h = try file.read(IVFHeader.frameHeaderLength) else { return nil }
        let size = Int(readLE32(h, 0))
        guard size <= Self.maxFrameSize else {
            throw .malformed(path: path, reason: "IVF frame of \(size) bytes")
        }
        // A frame cut short is the end of a file still being written (or of a killed writer).
        guard let data = try file.read(size) else { return nil }
        return (data, readLE64(h, 4))
    }

    static func isKeyframe(_ data: [UInt8], codec: MediaCodec) -> Bool {
        switch codec {
        case .vp8: return VP8FrameHeader(data)?.isKeyframe ?? false
        case .vp9: return VP9FrameHeader(data)?.isKeyframe ?? false
        case .av1: return AV1OBU.parseStream(data).map(AV1OBU.isKeyframe) ?? false
        default: return true
        }
    }
}
