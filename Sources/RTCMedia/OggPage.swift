/// One Ogg page (RFC 3533 §6), all integers little-endian:
///
///     0 "OggS"  4 version 0  5 flags (1 continued, 2 BOS, 4 EOS)  6 granule position (i64)
///     14 serial  18 page sequence  22 CRC  26 segment count  27 lacing values, then the body
///
/// A packet is laced as 255-byte segments and a last one under 255 (0 when the length is a
/// multiple of 255).
struct OggPage: Equatable {
    static let continued: UInt8 = 0x01
    static let beginningOfStream: UInt8 = 0x02
    static let endOfStream: UInt8 = 0x04
    static let headerLength = 27

    var flags: UInt8
    /// -1 when no packet ends on this page.
    var granulePosition: Int64
    var serial: UInt32
    var sequence: UInt32
    var lacing: [UInt8]
    var body: [UInt8]

    /// The wire form with its CRC filled in.
    func serialized() -> [UInt8] {
        var out = Array("OggS".utf8) + [0, flags]
        out += le64(UInt64(bitPattern: granulePosition)) + le32(serial) + le32(sequence) + le32(0)
        out.append(UInt8(lacing.count))
        out += lacing
        out += body
        let crc = OggCRC.checksum(out)
        out.replaceSubrange(22..<26, with: le32(crc))
        return out
    }

    /// Lacing values of a packet of `length` bytes.
    static func lacing(forLength length: Int) -> [UInt8] {
        [UInt8](repeating: 255, count: length / 255) + [UInt8(length % 255)]
    }

    /// Pages holding `packets` (each with the granule position at its end), as few as lacing
    /// allows (255 segments a page); pages where no packet ends get granule -1 (§6).
    static func pages(
        packets: [(data: [UInt8], granule: Int64)], serial: UInt32, firstSequence: UInt32, flags: UInt8 = 0
    ) -> [OggPage] {
        var pages: [OggPage] = []
        var page = OggPage(
            flags: flags, granulePosition: -1, serial: serial, sequence: firstSequence, lacing: [], body: [])
        for packet in packets {
            var lacing = Self.lacing(forLength: packet.data.count)[...]
            var offset = 0
            while !lacing.isEmpty {
                let room = 255 - page.lacing.count
                if room == 0 {
                    pages.append(page)
                    page = OggPage(
                        flags: flags & ~beginningOfStream | (offset > 0 ? continued : 0), granulePosition: -1,
                        serial: serial, sequence: page.sequence + 1, lacing: [], body: [])
                    continue
                }
                let take = lacing.prefix(room)
                let bytes = take.reduce(0) { $0 + Int($1) }
                page.lacing += take
                page.body += packet.data[offset..<offset + bytes]
                offset += bytes
                lacing = lacing.dropFirst(take.count)
                if lacing.isEmpty { page.granulePosition = packet.granule }
            }
        }
        if !page.lacing.isEmpty || pages.isEmpty { pages.append(page) }
        return pages
    }
}
