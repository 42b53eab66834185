import RTCCore

/// A goodbye, PT 203 (RFC 3550 §6.6): the listed sources are leaving, with an optional reason.
///
///    |V=2|P|    SC   |   PT=BYE=203  |             length            |
///    |                           SSRC/CSRC                           |
///    |     length    |               reason for leaving            ...
package struct RTCPGoodbye: Equatable, Sendable {
    /// At most 31 are sent (the SC field's range).
    var sources: [UInt32]
    /// The reason's bytes (UTF-8 text, at most 255), nil when absent.
    var reason: [UInt8]?

    init(sources: [UInt32], reason: String? = nil) {
        self.sources = sources
        self.reason = reason.map { Array($0.utf8.prefix(255)) }
    }

    init(header: RTCPHeader, _ r: inout ByteReader) throws(RTPError) {
        var sources: [UInt32] = []
        for n in 0..<Int(header.count) {
            let at = r.offset
            guard let s = r.readUInt32() else { throw .rtcp(offset: at, "BYE source \(n + 1) truncated") }
            sources.append(s)
        }
        self.sources = sources
        reason = nil
        if let length = r.readUInt8(), length > 0 || r.remaining > 0 {
            guard let text = r.readBytes(Int(length)) else { throw .rtcp(offset: r.offset - 1, "BYE reason truncated") }
            reason = text
        }
    }

    /// The reason as text.
    var reasonText: String? { reason.map { String(decoding: $0, as: UTF8.self) } }

    func write(_ w: inout ByteWriter) {
        let sent = sources.prefix(31)
        let start = RTCPHeader.begin(count: UInt8(sent.count), packetType: RTCPHeader.goodbye, &w)
        for s in sent { w.write(s) }
        if let reason {
            let text = reason.prefix(255)
            w.write(UInt8(text.count))
            w.write(contentsOf: text)
            // Zeros to the word boundary (§6.6), not RTCP padding.
            w.write(contentsOf: [UInt8](repeating: 0, count: (4 - (w.count - start) % 4) % 4))
        }
        RTCPHeader.finish(start, &w)
    }
}
