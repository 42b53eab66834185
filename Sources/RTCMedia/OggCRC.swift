/// The Ogg page checksum (RFC 3533 §6): CRC-32 with generator polynomial 0x04C11DB7, initial
/// value 0, no bit reflection and no final XOR, computed over the page with its CRC field zeroed.
/// (Not zlib's crc32, which reflects bits and inverts.)
enum OggCRC {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var r = UInt32(i) << 24
        for _ in 0..<8 { r = r & 0x8000_0000 != 0 ? r << 1 ^ 0x04C1_1DB7 : r << 1 }
        return r
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for b in bytes { crc = crc << 8 ^ table[Int(crc >> 24 ^ UInt32(b))] }
        return crc
    }
}
