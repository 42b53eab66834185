/// DTLS record framing helpers (RFC 6347 §4.1): a 13-byte header of content type (1), version (2),
/// epoch (2), sequence number (6) and length (2), followed by `length` bytes.
enum DTLSRecord {
    static let headerLength = 13

    /// Content types (RFC 5246 §6.2.1).
    static let changeCipherSpec: UInt8 = 20
    static let alert: UInt8 = 21
    static let handshake: UInt8 = 22
    static let applicationData: UInt8 = 23

    /// True when the first byte puts the packet in the DTLS range 20...63 (RFC 7983 §7).
    static func looksLikeDTLS(_ packet: [UInt8]) -> Bool {
        guard let first = packet.first else { return false }
        return (20...63).contains(first)
    }

    /// Splits back-to-back records into their byte ranges. A trailing fragment that is not a whole
    /// record is returned as the last range so nothing OpenSSL wrote is lost.
    static func split(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= headerLength else {
                ranges.append(offset..<bytes.count)
                break
            }
            let length = Int(bytes[offset + 11]) << 8 | Int(bytes[offset + 12])
            let end = min(bytes.count, offset + headerLength + length)
            ranges.append(offset..<end)
            offset = end
        }
        return ranges
    }

    /// Packs whole records into datagrams of at most `mtu` bytes, keeping their order. A record
    /// larger than `mtu` goes alone (OpenSSL sizes handshake fragments to the MTU, so only an
    /// oversized application write can do that).
    static func packDatagrams(_ bytes: [UInt8], mtu: Int) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        var current: [UInt8] = []
        for range in split(bytes) {
            if !current.isEmpty, current.count + range.count > mtu {
                datagrams.append(current)
                current = []
            }
            current.append(contentsOf: bytes[range])
        }
        if !current.isEmpty { datagrams.append(current) }
        return datagrams
    }
}
