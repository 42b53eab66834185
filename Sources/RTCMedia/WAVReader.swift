/// Reads G.711 audio from a WAV file (μ-law tag 7 or A-law tag 6, mono, 8 kHz, 8 bits) as
/// 20 ms frames of 160 samples, the RTP packetization RFC 3551 §4.5.14 recommends. Other chunks
/// are skipped; a data size of 0 or 0xFFFFFFFF (a writer that never finished) means "to the
/// end of the file".
public final class WAVReader: MediaFileReader {
    public let codec: MediaCodec
    public var path: String { file.path }
    private let file: MediaFileInput
    private var dataStart = 0
    private var remaining: Int
    private let dataSize: Int
    private var timestamp: UInt32 = 0

    /// Samples per frame: 20 ms at 8 kHz.
    public static let samplesPerFrame = 160

    /// - Throws: `MediaFileError` when the file cannot be opened or is not G.711 WAV.
    public init(path: String) throws(MediaFileError) {
        file = try MediaFileInput(path: path)
        guard let riff = try file.read(12), riff[0..<4].elementsEqual("RIFF".utf8),
            riff[8..<12].elementsEqual("WAVE".utf8)
        else { throw .malformed(path: path, reason: "no RIFF WAVE header") }
        var format: (tag: UInt16, channels: UInt16, rate: UInt32, bits: UInt16)?
        var offset = 12
        while true {
            guard let chunk = try file.read(8) else {
                throw .malformed(path: path, reason: "no data chunk")
            }
            let size = Int(readLE32(chunk, 4))
            offset += 8
            if chunk[0..<4].elementsEqual("data".utf8) {
                dataStart = offset
                dataSize = size == 0 || size == 0xFFFF_FFFF ? Int.max : size
                break
            }
            // Chunks are padded to an even length (RIFF).
            guard size < 1 << 24, let body = try file.read(size + size % 2) else {
                throw .malformed(
                    path: path, reason: "chunk \(String(decoding: chunk[0..<4], as: UTF8.self)) of \(size) bytes")
            }
            offset += body.count
            if chunk[0..<4].elementsEqual("fmt ".utf8) && body.count >= 16 {
                format = (readLE16(body, 0), readLE16(body, 2), readLE32(body, 4), readLE16(body, 14))
            }
        }
        guard let f = format else { throw .malformed(path: path, reason: "no fmt chunk before the data") }
        switch f.tag {
        case 7: codec = .pcmu
        case 6: codec = .pcma
        default: throw .unsupported("\(path): WAV format tag \(f.tag) (only G.711 μ-law 7 and A-law 6)")
        }
        guard f.channels == 1, f.rate == 8000, f.bits == 8 else {
            throw .unsupported(
                "\(path): \(f.channels) channels at \(f.rate) Hz, \(f.bits) bits (G.711 is mono 8 kHz 8-bit)")
        }
        remaining = dataSize
    }

    public func nextFrame() throws(MediaFileError) -> MediaFrame? {
        guard remaining > 0 else { return nil }
        let bytes = try file.readSome(min(Self.samplesPerFrame, remaining))
        guard !bytes.isEmpty else { return nil }
        var frame = bytes
        // A short read at a buffer boundary: complete the frame when the file has more.
        while frame.count < min(Self.samplesPerFrame, remaining) {
            let more = try file.readSome(min(Self.samplesPerFrame, remaining) - frame.count)
            if more.isEmpty { break }
            frame += more
        }
        remaining -= frame.count
        defer { timestamp &+= UInt32(frame.count) }
        return MediaFrame(data: frame, rtpTimestamp: timestamp, isKeyframe: true, duration: UInt32(frame.count))
    }

    public func rewind() throws(MediaFileError) {
        try file.rewind()
        guard try file.read(dataStart) != nil else { throw .io(path: path, reason: "file shrank while rewinding") }
        remaining = dataSize
        timestamp = 0
    }
}
