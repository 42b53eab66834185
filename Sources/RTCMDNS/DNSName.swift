import RTCCore

/// A domain name as a list of labels (RFC 1035 §3.1), compared case-insensitively for ASCII
/// (RFC 1035 §2.3.3; RFC 6762 §16 keeps that rule for mDNS).
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// Labels without the dots, as received (raw bytes; mDNS names are UTF-8, RFC 6762 §16).
    public let labels: [[UInt8]]

    /// Splits `text` at dots; a trailing dot is allowed. Nil for empty labels, labels above 63
    /// bytes or a name above 255 bytes on the wire.
    public init?(_ text: String) {
        var t = Substring(text)
        if t.hasSuffix(".") { t = t.dropLast() }
        guard !t.isEmpty else { return nil }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        guard parts.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return nil }
        self.init(labels: parts)
        guard wireLength <= 255 else { return nil }
    }

    public init(labels: [[UInt8]]) { self.labels = labels }

    /// Bytes on the wire without compression: a length byte per label plus the root byte.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    /// `host.local` (no trailing dot).
    public var description: String {
        labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".")
    }

    /// True when the last label is `local` (RFC 6762 §3): a name only mDNS resolves.
    public var isLocal: Bool {
        guard let last = labels.last else { return false }
        return Self.lowercased(last) == Array("local".utf8)
    }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        a.labels.count == b.labels.count && zip(a.labels, b.labels).allSatisfy { lowercased($0) == lowercased($1) }
    }

    public func hash(into hasher: inout Hasher) {
        for l in labels { hasher.combine(Self.lowercased(l)) }
    }

    private static func lowercased(_ label: [UInt8]) -> [UInt8] {
        label.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// Writes the labels and the root byte, uncompressed (RFC 1035 §3.1).
    func write(to w: inout ByteWriter) {
        for l in labels {
            w.write(UInt8(l.count))
            w.write(contentsOf: l)
        }
        w.write(UInt8(0))
    }

    /// Reads a possibly compressed name at `reader`'s offset (RFC 1035 §4.1.4) and moves the
    /// reader past it. Pointers must point strictly backwards, which bounds the walk and rules
    /// out loops; the expanded name must fit in 255 bytes.
    /// - Throws: `DNSError` naming the byte offset of the fault.
    static func read(from reader: inout ByteReader) throws -> DNSName {
        let bytes = reader.bytes
        var labels: [[UInt8]] = []
        var length = 1
        var cursor = reader.offset
        var resumeAt: Int?  // where the reader continues after the first pointer
        var lowestPointerTarget = reader.offset
        while true {
            guard cursor < reader.end else { throw DNSError.truncated(what: "name", offset: cursor) }
            let len = Int(bytes[cursor])
            switch len & 0xC0 {
            case 0x00:
                if len == 0 {
                    reader = ByteReader(bytes, offset: resumeAt ?? cursor + 1, end: reader.end)
                    return DNSName(labels: labels)
                }
                guard cursor + 1 + len <= reader.end else { throw DNSError.truncated(what: "label", offset: cursor) }
                length += 1 + len
                guard length <= 255 else { throw DNSError.nameTooLong(offset: cursor) }
                labels.append(Array(bytes[cursor + 1..<cursor + 1 + len]))
                cursor += 1 + len
            case 0xC0:
                guard cursor + 1 < reader.end else { throw DNSError.truncated(what: "pointer", offset: cursor) }
                let target = (len & 0x3F) << 8 | Int(bytes[cursor + 1])
                // Each jump must land before the previous one: the walk ends in at most
                // (message length) jumps and cannot loop.
                guard target < lowestPointerTarget else { throw DNSError.badPointer(offset: cursor) }
                lowestPointerTarget = target
                if resumeAt == nil { resumeAt = cursor + 2 }
                cursor = target
            default:
                throw DNSError.badLabelType(offset: cursor)
            }
        }
    }
}
