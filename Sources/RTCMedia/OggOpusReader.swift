/// Reads the Opus packets of an Ogg Opus file (RFC 7845): pages checked by CRC (RFC 3533 §6),
/// packets reassembled from their lacing across pages, the OpusHead and OpusTags headers
/// checked and skipped. Each packet becomes a frame with its TOC duration (RFC 6716 §3.1) and a
/// timestamp counting 48 kHz samples from 0. Pages of other logical streams are ignored.
public final class OggOpusReader: MediaFileReader {
    public var codec: MediaCodec { .opus }
    public var path: String { file.path }
    /// The identification header's channel count.
    public private(set) var channels: UInt8 = 0
    private let file: MediaFileInput
    private var serial: UInt32?
    private var packets: [[UInt8]] = []
    private var partial: [UInt8] = []
    private var samples: UInt32 = 0

    /// The largest packet accepted (RFC 6716 §3.4 bounds Opus far lower; tags can be larger).
    static let maxPacketSize = 1 << 20

    /// - Throws: `MediaFileError` when the file cannot be opened or does not begin with an
    ///   Opus identification header and comment header.
    public init(path: String) throws(MediaFileError) {
        file = try MediaFileInput(path: path)
        try readHeaders()
    }

    public func nextFrame() throws(MediaFileError) -> MediaFrame? {
        while true {
            guard let p = try nextPacket() else { return nil }
            guard let d = OpusPacket.duration(p) else { continue }  // empty or invalid: nothing to play
            defer { samples &+= UInt32(d) }
            return MediaFrame(data: p, rtpTimestamp: samples, isKeyframe: true, duration: UInt32(d))
        }
    }

    public func rewind() throws(MediaFileError) {
        try file.rewind()
        serial = nil
        packets = []
        partial = []
        samples = 0
        try readHeaders()
    }

    private func readHeaders() throws(MediaFileError) {
        guard let head = try nextPacket(), let h = OpusHead(parsing: head) else {
            throw .malformed(path: path, reason: "no OpusHead packet at the start (RFC 7845 §5.1)")
        }
        channels = h.channels
        guard let tags = try nextPacket(), tags.starts(with: Array("OpusTags".utf8)) else {
            throw .malformed(path: path, reason: "no OpusTags packet after OpusHead (RFC 7845 §5.2)")
        }
    }

    private func nextPacket() throws(MediaFileError) -> [UInt8]? {
        while packets.isEmpty {
            guard let page = try readPage() else { return nil }
            if serial == nil { serial = page.serial }
            guard page.serial == serial else { continue }
            if page.flags & OggPage.continued == 0 { partial = [] }
            var offset = 0
            for l in page.lacing {
                partial += page.body[offset..<offset + Int(l)]
                offset += Int(l)
                guard partial.count <= Self.maxPacketSize else {
                    throw .malformed(path: path, reason: "Ogg packet over \(Self.maxPacketSize) bytes")
                }
                if l < 255 {
                    packets.append(partial)
                    partial = []
                }
            }
        }
        return packets.removeFirst()
    }

    /// The next page, nil at end of file (a page cut short is the end of a growing file).
    private func readPage() throws(MediaFileError) -> OggPage? {
        guard let h = try file.read(OggPage.headerLength) else { return nil }
        guard h[0..<4].elementsEqual("OggS".utf8), h[4] == 0 else {
            throw .malformed(path: path, reason: "no Ogg page (OggS, version 0) where one should start")
        }
        guard let lacing = try file.read(Int(h[26])) else { return nil }
        guard let body = try file.read(lacing.reduce(0) { $0 + Int($1) }) else { return nil }
        var check = h
        check.replaceSubrange(22..<26, with: [0, 0, 0, 0])
        guard OggCRC.checksum(check + lacing + body) == readLE32(h, 22) else {
            throw .malformed(path: path, reason: "Ogg page \(readLE32(h, 18)) fails its CRC")
        }
        return OggPage(
            flags: h[5], granulePosition: Int64(bitPattern: readLE64(h, 6)), serial: readLE32(h, 14),
            sequence: readLE32(h, 18), lacing: lacing, body: body)
    }
}
