import RTCCrypto

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
