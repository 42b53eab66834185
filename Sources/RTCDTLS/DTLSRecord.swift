import RTCCore

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

    /// `packDatagrams` without allocating: calls `body` with each datagram as a slice of `bytes`
    /// (records packed into one datagram are adjacent in `bytes`, so no copy is needed).
    static func forEachDatagram(in bytes: UnsafeRawBufferPointer, mtu: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0, end = 0
        while end < bytes.count {
            // Next record's end; a trailing fragment shorter than a header is kept whole.
            var next = bytes.count
            if bytes.count - end >= headerLength {
                let length = Int(bytes[end + 11]) << 8 | Int(bytes[end + 12])
                next = min(bytes.count, end + headerLength + length)
            }
            if end > start, next - start > mtu {
                body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
            end = next
        }
        if end > start { body(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) }
    }

    /// Whether a plaintext (epoch 0) record body can be what its content type says. OpenSSL
    /// treats a malformed handshake message as fatal, so one forged datagram could otherwise
    /// abort a handshake in progress; `DTLSRecordFilter` drops what fails.
    static func isPlausiblePlaintext(type: UInt8, body: ArraySlice<UInt8>) -> Bool {
        switch type {
        case changeCipherSpec:
            return body.count == 1 && body.first == 1
        case alert:
            return body.count == 2
        case handshake:
            // msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3), then the fragment.
            var reader = ByteReader(Array(body))
            var offset = 0
            while !reader.isAtEnd {
                guard reader.skip(1), let lengthHigh = reader.readUInt8(), let lengthLow = reader.readUInt16(),
                    reader.skip(2), let fragOffHigh = reader.readUInt8(), let fragOffLow = reader.readUInt16(),
                    let fragLenHigh = reader.readUInt8(), let fragLenLow = reader.readUInt16()
                else { return false }
                let total = Int(lengthHigh) << 16 | Int(lengthLow)
                let fragmentOffset = Int(fragOffHigh) << 16 | Int(fragOffLow)
                let fragmentLength = Int(fragLenHigh) << 16 | Int(fragLenLow)
                guard fragmentOffset + fragmentLength <= total, reader.skip(fragmentLength) else { return false }
                offset += 1
            }
            return offset > 0
        default:
            return false  // application data is never sent in epoch 0
        }
    }
}
