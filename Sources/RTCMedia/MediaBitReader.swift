/// Reads bits most significant first, as codec headers are written (VP9 uncompressed header,
/// AV1 sequence header, H.264 Exp-Golomb). Reads past the end return nil instead of trapping.
struct MediaBitReader {
    private let bytes: [UInt8]
    private var bit = 0

    init(_ bytes: [UInt8], byteOffset: Int = 0) {
        self.bytes = bytes
        bit = byteOffset * 8
    }

    mutating func read(_ count: Int) -> UInt32? {
        guard count <= 32, bit + count <= bytes.count * 8 else { return nil }
        var v: UInt32 = 0
        for _ in 0..<count {
            let b = bytes[bit >> 3] >> (7 - UInt8(bit & 7)) & 1
            v = v << 1 | UInt32(b)
            bit += 1
        }
        return v
    }

    mutating func flag() -> Bool? { read(1).map { $0 == 1 } }

    /// Unsigned Exp-Golomb, ue(v) (H.264 §9.1).
    mutating func readUE() -> UInt32? {
        var zeros = 0
        while true {
            guard let b = read(1) else { return nil }
            if b == 1 { break }
            zeros += 1
            if zeros > 31 { return nil }
        }
        guard let rest = read(zeros) else { return nil }
        return (UInt32(1) << zeros) - 1 + rest
    }
}
