/// CRC-32 as used by Ethernet, zlib and STUN's FINGERPRINT (RFC 8489 §14.7, which cites ITU V.42):
/// the ISO-HDLC parameters — reflected polynomial 0x04C11DB7 (0xEDB88320 reflected), initial value
/// and final XOR 0xFFFFFFFF. `CRC32.checksum("123456789")` is 0xCBF43926.
package enum CRC32 {
    /// Lookup table for one byte at a time, built once.
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    /// The CRC-32 of `bytes[range]` (the whole array by default).
    package static func checksum(_ bytes: [UInt8], range: Range<Int>? = nil) -> UInt32 {
        let r = range ?? 0..<bytes.count
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for i in r {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// The CRC-32 of a string's UTF-8 bytes (for tests and logs).
    static func checksum(_ string: String) -> UInt32 { checksum(Array(string.utf8)) }
}
