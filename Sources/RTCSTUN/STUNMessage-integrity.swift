import RTCCore
import RTCCrypto

/// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256,
/// RFC 8489 §14.6).
///
/// The HMAC covers the header and every attribute before the integrity attribute, with the
/// header's length field set as if the integrity attribute were the last one (so FINGERPRINT,
/// added later, is excluded, and so are any attributes that follow, which receivers ignore).
extension STUNMessage {
    // MARK: Keys (RFC 8489 §9.1.1, §9.2.2)

    /// Short-term credential key: the password's UTF-8 bytes. ICE uses the peer's `ice-pwd`
    /// (RFC 8445 §7.2.2).
    ///
    /// - Warning: The OpaqueString profile (RFC 8265) is not applied; ICE passwords are ASCII
    ///   ice-chars, for which it is the identity.
    public static func shortTermKey(password: String) -> [UInt8] { Array(password.utf8) }

    /// Long-term credential key: `MD5(username ":" realm ":" password)` (RFC 8489 §9.2.2, used
    /// by TURN, RFC 8656 §3.2).
    ///
    /// - Warning: OpaqueString/SASLprep normalization is not applied; pass the password already
    ///   normalized (RFC 5769 §2.4's `The<U+00AD>M<U+00AA>tr<U+2168>` becomes `TheMatrIX`).
    public static func longTermKey(username: String, realm: String, password: String) -> [UInt8] {
        Digest.md5(Array("\(username):\(realm):\(password)".utf8))
    }

    // MARK: Adding

    /// Appends MESSAGE-INTEGRITY computed with `key` over the message as it is now.
    /// Call after all other attributes and before `addFingerprint()`.
    public mutating func addMessageIntegrity(key: [UInt8]) {
        let input = integrityInput(upTo: attributes.count, attributeSize: 4 + 20)
        append(.messageIntegrity, HMAC.sha1(key: key, message: input))
    }

    /// Appends MESSAGE-INTEGRITY-SHA256 (full 32 bytes) computed with `key` over the message as it
    /// is now. When both are used, MESSAGE-INTEGRITY comes first (RFC 8489 §14.6).
    public mutating func addMessageIntegritySHA256(key: [UInt8]) {
        let input = integrityInput(upTo: attributes.count, attributeSize: 4 + 32)
        append(.messageIntegritySHA256, HMAC.sha256(key: key, message: input))
    }

    // MARK: Verifying

    /// Checks MESSAGE-INTEGRITY against `key`.
    ///
    /// - Throws: `STUNError.missingAttribute` when there is none, `.integrityMismatch` when it
    ///   does not match, `.badAttributeLength` when it is not 20 bytes.
    public func verifyMessageIntegrity(key: [UInt8]) throws {
        try verify(.messageIntegrity, key: key)
    }

    /// Checks MESSAGE-INTEGRITY-SHA256 against `key`, accepting the truncated forms RFC 8489
    /// §14.6 allows (16...32 bytes, a multiple of 4).
    public func verifyMessageIntegritySHA256(key: [UInt8]) throws {
        try verify(.messageIntegritySHA256, key: key)
    }

    /// True when MESSAGE-INTEGRITY is present and matches `key`.
    public func hasValidMessageIntegrity(key: [UInt8]) -> Bool {
        (try? verifyMessageIntegrity(key: key)) != nil
    }

    private func verify(_ type: STUNAttributeType, key: [UInt8]) throws {
        guard let i = effectiveIndex(of: type) else { throw STUNError.missingAttribute(type) }
        let value = attributes[i].value
        let offset = offset(ofAttribute: i)
        let expected: [UInt8]
        if type == .messageIntegrity {
            guard value.count == 20 else {
                throw STUNError.badAttributeLength(type: type, offset: offset, length: value.count)
            }
            expected = HMAC.sha1(key: key, message: integrityInput(upTo: i, attributeSize: attributes[i].encodedCount))
        } else {
            guard value.count >= 16, value.count <= 32, value.count & 3 == 0 else {
                throw STUNError.badAttributeLength(type: type, offset: offset, length: value.count)
            }
            expected = HMAC.sha256(key: key, message: integrityInput(upTo: i, attributeSize: attributes[i].encodedCount))
        }
        guard Self.constantTimeEqual(value, expected.prefix(value.count)) else {
            throw STUNError.integrityMismatch(type: type, offset: offset)
        }
    }

    // MARK: Helpers

    /// The bytes an integrity (or fingerprint) attribute at index `index` covers: the header with
    /// its length counting attributes `0..<index` plus `attributeSize`, then those attributes.
    func integrityInput(upTo index: Int, attributeSize: Int) -> [UInt8] {
        let covered = attributes[..<index]
        let bodyLength = covered.reduce(0) { $0 + $1.encodedCount }
        var w = ByteWriter(capacity: Self.headerSize + bodyLength)
        encodeHeader(into: &w, length: bodyLength + attributeSize)
        for a in covered { Self.encode(a, into: &w) }
        return w.bytes
    }

    /// Byte offset in the encoded message of attribute `index`'s type field.
    func offset(ofAttribute index: Int) -> Int {
        attributes[..<index].reduce(Self.headerSize) { $0 + $1.encodedCount }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for (x, y) in zip(a, b) { diff |= x ^ y }
        return diff == 0
    }
}
