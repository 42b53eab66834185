import RTCCrypto

/// FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message up to the attribute, XORed with
/// 0x5354554e ("STUN"), with the header length including the FINGERPRINT attribute. It must be
/// the last attribute. ICE requires it on every check (RFC 8445 §7.2.2) so STUN can be told apart
/// from other traffic on the same port.
extension STUNMessage {
    /// The constant XORed into the CRC-32.
    public static let fingerprintXOR: UInt32 = 0x5354_554E

    /// Appends FINGERPRINT over the message as it is now. Call last.
    public mutating func addFingerprint() {
        append(.fingerprint, Self.encode(fingerprintValue(upTo: attributes.count)))
    }

    /// Checks FINGERPRINT.
    ///
    /// - Throws: `STUNError.missingAttribute` when absent, `.fingerprintNotLast` when attributes
    ///   follow it, `.badAttributeLength` when not 4 bytes, `.fingerprintMismatch` when wrong.
    public func verifyFingerprint() throws {
        guard let i = attributes.firstIndex(where: { $0.type == .fingerprint }) else {
            throw STUNError.missingAttribute(.fingerprint)
        }
        let offset = offset(ofAttribute: i)
        guard i == attributes.count - 1 else { throw STUNError.fingerprintNotLast(offset: offset) }
        guard let received = Self.decodeUInt32(attributes[i].value) else {
            throw STUNError.badAttributeLength(type: .fingerprint, offset: offset, length: attributes[i].value.count)
        }
        let expected = fingerprintValue(upTo: i)
        guard received == expected else {
            throw STUNError.fingerprintMismatch(offset: offset, expected: expected, received: received)
        }
    }

    /// True when FINGERPRINT is present, last and correct.
    public var hasValidFingerprint: Bool { (try? verifyFingerprint()) != nil }

    private func fingerprintValue(upTo index: Int) -> UInt32 {
        CRC32.checksum(integrityInput(upTo: index, attributeSize: 8)) ^ Self.fingerprintXOR
    }
}
