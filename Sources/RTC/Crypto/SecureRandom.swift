import COpenSSL

/// A `RandomNumberGenerator` backed by OpenSSL's CSPRNG (`RAND_bytes`).
///
/// Use it for transaction IDs, ICE credentials and tie-breakers on the wire; tests inject a seeded
/// `SplitMix64` instead so runs are reproducible.
struct SecureRandom: RandomNumberGenerator {
    init() {}

    mutating func next() -> UInt64 {
        let b = Self.bytes(8)
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// `count` bytes from `RAND_bytes`. Traps only if OpenSSL cannot seed itself, which leaves no
    /// safe way to continue.
    static func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed")
        return out
    }

    /// Random bytes drawn from any generator (`SplitMix64` in tests).
    static func bytes<G: RandomNumberGenerator>(_ count: Int, using rng: inout G) -> [UInt8] {
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

/// ICE credentials: `ice-ufrag` and `ice-pwd` are strings of ice-char (RFC 8839 §5.4:
/// `ALPHA / DIGIT / "+" / "/"`), at least 4 and 22 characters long (RFC 8445 §5.3 asks for at
/// least 24 and 128 bits of randomness).
enum ICECredentials {
    /// The 64 ice-chars; 64 is a power of two, so `byte & 63` picks one without bias.
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// A random ice-char string of `length` characters from `rng`.
    static func randomString<G: RandomNumberGenerator>(length: Int, using rng: inout G) -> String {
        let raw = SecureRandom.bytes(length, using: &rng)
        return String(decoding: raw.map { alphabet[Int($0 & 63)] }, as: UTF8.self)
    }

    /// A random ice-char string from the CSPRNG.
    static func randomString(length: Int) -> String {
        String(decoding: SecureRandom.bytes(length).map { alphabet[Int($0 & 63)] }, as: UTF8.self)
    }

    /// A fresh `ice-ufrag` (8 characters, 48 bits).
    static func randomUfrag() -> String { randomString(length: 8) }

    /// A fresh `ice-pwd` (24 characters, 144 bits).
    static func randomPassword() -> String { randomString(length: 24) }
}
