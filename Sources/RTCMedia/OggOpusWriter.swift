/// Writes Opus packets to an Ogg Opus file (RFC 7845) as they come: the identification and
/// comment headers first, each on its own page (§3), then one page per received packet,
/// flushed at once so a player can follow the growing file. Granule positions count 48 kHz
/// samples (§4) from the packets' TOC durations; a timestamp gap larger than the previous
/// packet (DTX or loss) is filled with empty 20 ms packets the decoder conceals, keeping the
/// audio in time. Closing marks the last page end-of-stream.
public final class OggOpusWriter: MediaFileWriter {
    public var codec: MediaCodec { .opus }
    public var path: String { file.path }
    private let file: MediaFileOutput
    private let serial: UInt32
    private var sequence: UInt32 = 0
    private var granule: Int64 = 0
    private var lastTimestamp: UInt32?
    private var lastDuration = 0
    /// The last page and where it starts, rewritten with the EOS flag on close.
    private var lastPage: (page: OggPage, offset: Int)?

    /// The longest gap filled (5 s); beyond that (a restarted source) time simply continues.
    static let maxFilledGap = 5 * 48_000

    /// - Parameters:
    ///   - channels: the OpusHead channel count (the SDP's "opus/48000/2" says 2, RFC 7587 §7).
    ///   - serial: the logical stream's serial number (random by default, RFC 3533 §6).
    public init(path: String, channels: UInt8 = 2, serial: UInt32 = .random(in: 0...UInt32.max)) throws(MediaFileError)
    {
        file = try MediaFileOutput(path: path)
        self.serial = serial
        try writePage(
            OggPage(
                flags: OggPage.beginningOfStream, granulePosition: 0, serial: serial, sequence: 0,
                lacing: OggPage.lacing(forLength: 19), body: OpusHead(channels: channels).serialized()))
        let tags = OpusHead.tags(vendor: "rtc")
        for page in OggPage.pages(packets: [(tags, 0)], serial: serial, firstSequence: sequence) {
            try writePage(page)
        }
    }

    public func write(_ frame: MediaFrame) throws(MediaFileError) {
        guard let toc = frame.data.first else { return }
        var packets: [(data: [UInt8], granule: Int64)] = []
        if let last = lastTimestamp {
            let step = Int(Int32(bitPattern: frame.rtpTimestamp &- last))
            var gap = step - lastDuration
            if gap > 0 && step <= Self.maxFilledGap {
                while gap >= 960 {
                    granule += 960
                    packets.append((OpusPacket.gapFiller(likeTOC: toc), granule))
                    gap -= 960
                }
            }
        }
        let samples = OpusPacket.duration(frame.data) ?? 960
        granule += Int64(samples)
        packets.append((frame.data, granule))
        lastTimestamp = frame.rtpTimestamp
        lastDuration = samples
        for page in OggPage.pages(packets: packets, serial: serial, firstSequence: sequence) {
            try writePage(page)
        }
    }

    public func close() throws(MediaFileError) {
        if var last = lastPage {
            last.page.flags |= OggPage.endOfStream
            try file.overwrite(last.page.serialized(), at: last.offset)
        }
        try file.close()
    }

    private func writePage(_ page: OggPage) throws(MediaFileError) {
        lastPage = (page, file.offset)
        try file.write(page.serialized())
        sequence = page.sequence + 1
    }
}
