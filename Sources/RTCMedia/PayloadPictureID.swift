import RTCCore

/// The PictureID field the VP8 and VP9 payload descriptors share (RFC 7741 §4.2, RFC 9628
/// §4.2): 7 bits, or 15 when the first byte's M bit is set.
enum PayloadPictureID {
    /// The ID and whether it took the 15-bit form; nil when the bytes run out.
    static func read(_ r: inout ByteReader) -> (id: UInt16, isLong: Bool)? {
        guard let first = r.readUInt8() else { return nil }
        guard first & 0x80 != 0 else { return (UInt16(first), false) }
        guard let low = r.readUInt8() else { return nil }
        return (UInt16(first & 0x7F) << 8 | UInt16(low), true)
    }
}
