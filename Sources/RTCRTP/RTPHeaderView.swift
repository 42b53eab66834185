/// The header fields of an RTP packet (RFC 3550 §5.1) read where the packet lies, with the
/// offsets of its payload and padding: the forwarding path reads and rewrites packets in place
/// instead of copying each payload into an `RTPPacket`. Accepts exactly what
/// `RTPPacket(parsing:)` accepts.
package struct RTPHeaderView: Equatable, Sendable {
    package var marker: Bool
    package var payloadType: UInt8
    package var sequenceNumber: UInt16
    package var timestamp: UInt32
    package var ssrc: UInt32
    /// Where the header extension starts (after the CSRCs); equal to `payloadOffset` without one.
    package var extensionOffset: Int
    /// Where the payload starts: after the fixed header, CSRCs and header extension.
    package var payloadOffset: Int
    package var payloadLength: Int
    /// Padding bytes after the payload, the count byte included (0 for none).
    package var paddingLength: UInt8

    /// Reads the header of the packet filling `bytes`; nil when `RTPPacket(parsing:)` would throw.
    package init?(parsing bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        guard count >= RTPPacket.fixedHeaderLength else { return nil }
        let b0 = bytes[0], b1 = bytes[1]
        guard b0 >> 6 == 2 else { return nil }
        var offset = RTPPacket.fixedHeaderLength + 4 * Int(b0 & 0x0F)
        guard offset <= count else { return nil }
        extensionOffset = offset
        if b0 & 0x10 != 0 {
            guard offset + 4 <= count else { return nil }
            let words = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 4 + 4 * words
            guard offset <= count else { return nil }
        }
        var end = count
        var padding: UInt8 = 0
        if b0 & 0x20 != 0 {
            padding = bytes[count - 1]
            guard padding > 0, Int(padding) <= count - offset else { return nil }
            end -= Int(padding)
        }
        marker = b1 & 0x80 != 0
        payloadType = b1 & 0x7F
        sequenceNumber = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        timestamp = Self.uint32(bytes, at: 4)
        ssrc = Self.uint32(bytes, at: 8)
        payloadOffset = offset
        payloadLength = end - offset
        paddingLength = padding
    }

    private static func uint32(_ bytes: UnsafeRawBufferPointer, at i: Int) -> UInt32 {
        UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    /// Writes payload type (keeping the marker bit) and SSRC into the packet at `bytes`.
    package static func set(payloadType: UInt8, ssrc: UInt32, in bytes: UnsafeMutableRawBufferPointer) {
        bytes[1] = bytes[1] & 0x80 | payloadType & 0x7F
        bytes.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
    }
}
