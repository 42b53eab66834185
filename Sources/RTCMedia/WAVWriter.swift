/// Writes G.711 (PCMU or PCMA) audio to a WAV file as it comes: RIFF "WAVE" with a format
/// chunk for μ-law (tag 7) or A-law (tag 6), mono, 8 kHz, 8 bits (the RTP payload formats of
/// RFC 3551 §4.5.14 carry exactly these bytes), a fact chunk, then the data. The RIFF, fact and
/// data sizes are rewritten after every frame, so the growing file is always valid. A timestamp
/// gap (silence suppression or loss) is filled with silence to keep the audio in time.
public final class WAVWriter: MediaFileWriter {
    public let codec: MediaCodec
    public var path: String { file.path }
    private let file: MediaFileOutput
    private var samples: UInt32 = 0
    private var nextTimestamp: UInt32?

    /// Offsets of the size fields in the 58-byte header.
    static let headerLength = 58
    private static let riffSizeOffset = 4
    private static let factSamplesOffset = 46
    private static let dataSizeOffset = 54
    /// The longest gap filled (5 s); beyond that (a restarted source) time simply continues.
    static let maxFilledGap = 5 * 8000

    /// - Throws: `MediaFileError` when `codec` is not PCMU/PCMA or the file cannot be created.
    public init(path: String, codec: MediaCodec) throws(MediaFileError) {
        guard let tag = Self.formatTag(codec) else {
            throw .unsupported("WAV holds PCMU or PCMA, not \(codec.encodingName) (\(path))")
        }
        self.codec = codec
        file = try MediaFileOutput(path: path)
        var h = Array("RIFF".utf8) + le32(UInt32(Self.headerLength - 8)) + Array("WAVE".utf8)
        // fmt: tag, channels 1, 8000 Hz, 8000 bytes/s, block align 1, 8 bits, cbSize 0.
        h += Array("fmt ".utf8) + le32(18) + le16(tag) + le16(1) + le32(8000) + le32(8000) + le16(1) + le16(8) + le16(0)
        h += Array("fact".utf8) + le32(4) + le32(0)
        h += Array("data".utf8) + le32(0)
        try file.write(h)
    }

    /// The WAVE format tag: 7 for μ-law, 6 for A-law.
    static func formatTag(_ codec: MediaCodec) -> UInt16? {
        switch codec {
        case .pcmu: return 7
        case .pcma: return 6
        default: return nil
        }
    }

    public func write(_ frame: MediaFrame) throws(MediaFileError) {
        guard !frame.data.isEmpty else { return }
        var bytes: [UInt8] = []
        if let expected = nextTimestamp {
            let gap = Int(Int32(bitPattern: frame.rtpTimestamp &- expected))
            if gap > 0 && gap <= Self.maxFilledGap {
                // Silence: 0xFF in μ-law, 0xD5 in A-law (G.711 codes of the zero level).
                bytes = [UInt8](repeating: codec == .pcmu ? 0xFF : 0xD5, count: gap)
            }
        }
        bytes += frame.data
        nextTimestamp = frame.rtpTimestamp &+ UInt32(frame.data.count)
        try file.write(bytes)
        samples &+= UInt32(bytes.count)
        try file.overwrite(le32(UInt32(Self.headerLength - 8) &+ samples), at: Self.riffSizeOffset)
        try file.overwrite(le32(samples), at: Self.factSamplesOffset)
        try file.overwrite(le32(samples), at: Self.dataSizeOffset)
    }

    public func close() throws(MediaFileError) { try file.close() }
}
