import COpenSSL

/// A `RandomNumberGenerator` backed by OpenSSL's CSPRNG (`RAND_bytes`).
///
/// Use it for transaction IDs, ICE credentials and tie-breakers on the wire; tests inject a seeded
/// `SplitMix64` instead so runs are reproducible.
package struct SecureRandom: RandomNumberGenerator {
    package init() {}

    package mutating func next() -> UInt64 {
        let b = Self.bytes(8)
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// `count` bytes from `RAND_bytes`. Traps only if OpenSSL cannot seed itself, which leaves no
    /// safe way to continue.
    package static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed")
        return out
    }

    /// Random bytes drawn from any generator (`SplitMix64` in tests).
    package static func bytes<G: RandomNumberGenerator>(_ count: Int, using rng: inout G) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            var word = rng.next()
            for _ in 0..<min(8, count - out.count) {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }
}
