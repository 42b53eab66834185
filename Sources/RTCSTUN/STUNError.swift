/// Everything that can go wrong decoding or checking STUN and ChannelData (RFC 8489, RFC 8656).
///
/// Decode errors say where: `offset` is the byte offset in the message of the header field or of
/// the attribute's type field, and attribute errors name the attribute type.
public enum STUNError: Error, Hashable, CustomStringConvertible {
    // Header (RFC 8489 §5).
    /// Fewer than the 20 header bytes.
    case truncatedHeader(count: Int)
    /// The two most significant bits of the first byte are not zero (offset 0).
    case notSTUN(firstByte: UInt8)
    /// Bytes 4..<8 are not 0x2112A442.
    case badMagicCookie(UInt32)
    /// The header's message length (offset 2) is not a multiple of 4.
    case lengthNotMultipleOfFour(length: Int)
    /// The header's message length disagrees with the bytes that follow the header.
    case lengthMismatch(declared: Int, available: Int)

    // Attributes (RFC 8489 §14).
    /// An attribute's length runs past the end of the message.
    case attributeLengthPastEnd(type: STUNAttributeType, offset: Int, length: Int)
    /// The value fits but its padding to a 4-byte boundary does not.
    case truncatedPadding(type: STUNAttributeType, offset: Int)
    /// An address attribute's family byte is neither 0x01 (IPv4) nor 0x02 (IPv6).
    case badAddressFamily(type: STUNAttributeType, offset: Int, family: UInt8)
    /// A fixed-size (or bounded) attribute has a length it may not have.
    case badAttributeLength(type: STUNAttributeType, offset: Int, length: Int)
    /// A value that is the right size but not allowed (e.g. an ERROR-CODE class outside 3...6).
    case badAttributeValue(type: STUNAttributeType, offset: Int, reason: String)

    // Encoding.
    /// An attribute (or, with `type` nil, the message body) longer than its 16-bit length field.
    case tooLongToEncode(type: STUNAttributeType?, length: Int)

    // Integrity and fingerprint (RFC 8489 §14.5–14.7).
    /// The message has no attribute of this type.
    case missingAttribute(STUNAttributeType)
    /// MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 does not match the key.
    case integrityMismatch(type: STUNAttributeType, offset: Int)
    /// FINGERPRINT does not match the CRC-32 of the message.
    case fingerprintMismatch(offset: Int, expected: UInt32, received: UInt32)
    /// FINGERPRINT is present but not the last attribute.
    case fingerprintNotLast(offset: Int)

    // ChannelData (RFC 8656 §12.4).
    /// Fewer than 4 bytes, or fewer than the header's length promises.
    case truncatedChannelData(declared: Int, available: Int)
    /// More bytes after the data than padding to a 4-byte boundary allows.
    case channelDataTrailingBytes(count: Int)
    /// Channel number outside 0x4000...0x4FFF.
    case badChannelNumber(UInt16)

    public var description: String {
        func hex(_ v: UInt16) -> String { "0x" + String(v, radix: 16, uppercase: false) }
        switch self {
        case .truncatedHeader(let n): return "STUN header truncated: \(n) of 20 bytes"
        case .tooLongToEncode(let t, let l):
            return "\(t.map { "attribute \($0)" } ?? "message body") of \(l) bytes exceeds 65535, cannot encode"
        case .notSTUN(let b): return "not STUN at offset 0: first byte 0x\(String(b, radix: 16)) has top bits set"
        case .badMagicCookie(let c): return "bad magic cookie at offset 4: 0x\(String(c, radix: 16))"
        case .lengthNotMultipleOfFour(let l): return "message length \(l) at offset 2 is not a multiple of 4"
        case .lengthMismatch(let d, let a): return "message length \(d) at offset 2 but \(a) bytes follow the header"
        case .attributeLengthPastEnd(let t, let o, let l):
            return "attribute \(t) at offset \(o): length \(l) runs past the end of the message"
        case .truncatedPadding(let t, let o): return "attribute \(t) at offset \(o): padding runs past the end"
        case .badAddressFamily(let t, let o, let f):
            return "attribute \(t) at offset \(o): bad address family 0x\(String(f, radix: 16))"
        case .badAttributeLength(let t, let o, let l): return "attribute \(t) at offset \(o): bad length \(l)"
        case .badAttributeValue(let t, let o, let r): return "attribute \(t) at offset \(o): \(r)"
        case .missingAttribute(let t): return "no \(t) attribute"
        case .integrityMismatch(let t, let o): return "\(t) at offset \(o) does not match"
        case .fingerprintMismatch(let o, let e, let r):
            return "FINGERPRINT at offset \(o) is 0x\(String(r, radix: 16)), expected 0x\(String(e, radix: 16))"
        case .fingerprintNotLast(let o): return "FINGERPRINT at offset \(o) is not the last attribute"
        case .truncatedChannelData(let d, let a): return "ChannelData truncated: header says \(d) data bytes, \(a) present"
        case .channelDataTrailingBytes(let n): return "ChannelData has \(n) bytes after the data, more than padding"
        case .badChannelNumber(let c): return "ChannelData channel number \(hex(c)) outside 0x4000...0x4fff"
        }
    }
}
