import RTCCore
import RTCCrypto

/// The 96-bit transaction ID of a STUN message (RFC 8489 §5), stored inline as two integers so it
/// is cheap to hash and compare (client transactions are looked up by it).
public struct STUNTransactionID: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0..<4 of the ID, big-endian.
    public let high: UInt32
    /// Bytes 4..<12 of the ID, big-endian.
    public let low: UInt64

    public init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The ID from exactly 12 bytes; nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 12 else { return nil }
        var r = ByteReader(bytes)
        guard let h = r.readUInt32(), let l = r.readUInt64() else { return nil }
        self.init(high: h, low: l)
    }

    /// The 12 bytes as they appear on the wire.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: 12)
        w.write(high)
        w.write(low)
        return w.bytes
    }

    /// A fresh ID from the CSPRNG, as RFC 8489 §5 asks ("uniformly and randomly chosen").
    public static func random() -> STUNTransactionID {
        var rng = SecureRandom()
        return random(using: &rng)
    }

    /// A fresh ID from `rng` (seeded in tests).
    public static func random<G: RandomNumberGenerator>(using rng: inout G) -> STUNTransactionID {
        STUNTransactionID(high: UInt32(truncatingIfNeeded: rng.next()), low: rng.next())
    }

    public var description: String { bytes.hexString }
}
