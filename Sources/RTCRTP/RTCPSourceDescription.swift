import RTCCore

/// A source description, PT 202 (RFC 3550 §6.5): per source, a list of items such as the CNAME
/// that ties a participant's SSRCs together (§6.5.1).
///
///    |V=2|P|    SC   |  PT=SDES=202  |             length            |
///    |                          SSRC/CSRC_1                          |
///    |                           SDES items                          |
///    |                        0, padded to a word                    |
///    |                          SSRC/CSRC_2 ...                      |
package struct RTCPSourceDescription: Equatable, Sendable {
    /// The item types of RFC 3550 §6.5.1–§6.5.8.
    static let cname: UInt8 = 1

    struct Item: Equatable, Sendable {
        var type: UInt8
        /// Up to 255 bytes, UTF-8 for the text items.
        var text: [UInt8]
    }

    struct Chunk: Equatable, Sendable {
        var source: UInt32
        var items: [Item]
    }

    /// At most 31 are sent (the SC field's range).
    var chunks: [Chunk]

    init(chunks: [Chunk]) {
        self.chunks = chunks
    }

    /// One chunk carrying a CNAME, what RFC 3550 §6.1 requires in every compound packet.
    package init(ssrc: UInt32, cname: String) {
        self.init(chunks: [Chunk(source: ssrc, items: [Item(type: Self.cname, text: Array(cname.utf8.prefix(255)))])])
    }

    /// The CNAME of `ssrc`, if this packet has one.
    func cname(of ssrc: UInt32) -> String? {
        guard let item = chunks.first(where: { $0.source == ssrc })?.items.first(where: { $0.type == Self.cname })
        else { return nil }
        return String(decoding: item.text, as: UTF8.self)
    }

    init(header: RTCPHeader, _ r: inout ByteReader) throws(RTPError) {
        var chunks: [Chunk] = []
        for n in 0..<Int(header.count) {
            let chunkStart = r.offset
            guard let source = r.readUInt32() else { throw .rtcp(offset: chunkStart, "SDES chunk \(n + 1) truncated") }
            var items: [Item] = []
            while true {
                let at = r.offset
                guard let type = r.readUInt8() else {
                    throw .rtcp(offset: at, "SDES chunk \(n + 1) ends without its null item")
                }
                if type == 0 {  // end of list, then null octets to the next word (§6.5)
                    let pad = (4 - (r.offset - chunkStart) % 4) % 4
                    guard r.skip(pad) else { throw .rtcp(offset: r.offset, "SDES chunk \(n + 1) padding truncated") }
                    break
                }
                guard let length = r.readUInt8(), let text = r.readBytes(Int(length)) else {
                    throw .rtcp(offset: at, "SDES chunk \(n + 1) item type \(type) truncated")
                }
                items.append(Item(type: type, text: text))
            }
            chunks.append(Chunk(source: source, items: items))
        }
        self.init(chunks: chunks)
    }

    func write(_ w: inout ByteWriter) {
        let sent = chunks.prefix(31)
        let start = RTCPHeader.begin(count: UInt8(sent.count), packetType: RTCPHeader.sourceDescription, &w)
        for c in sent {
            let chunkStart = w.count
            w.write(c.source)
            for item in c.items where item.type != 0 {
                let text = item.text.prefix(255)
                w.write(item.type)
                w.write(UInt8(text.count))
                w.write(contentsOf: text)
            }
            // The null item, then zeros to the word boundary: 1–4 octets in all.
            w.write(contentsOf: [UInt8](repeating: 0, count: 4 - (w.count - chunkStart) % 4))
        }
        RTCPHeader.finish(start, &w)
    }
}
