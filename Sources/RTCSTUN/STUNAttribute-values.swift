import RTCCore

/// Encoders and checked decoders for the values of the attributes this module knows. Decoders
/// throw `STUNError` with the attribute's offset; `STUNMessage.init(decoding:)` runs `validate`
/// on every attribute, so typed getters on a decoded message only fail for values built by hand.
extension STUNMessage {
    // MARK: Validation

    /// Largest USERNAME value (RFC 8489 §14.3).
    static let maxUsernameLength = 513
    /// Largest REALM, NONCE, SOFTWARE and ERROR-CODE reason (RFC 8489 §14.9, §14.10, §14.14, §14.8).
    static let maxTextLength = 763

    /// Checks the value of a known attribute; unknown types always pass.
    static func validate(_ a: STUNAttribute, offset: Int, transactionID: STUNTransactionID) throws {
        let n = a.value.count
        func length(_ ok: Bool) throws {
            if !ok { throw STUNError.badAttributeLength(type: a.type, offset: offset, length: n) }
        }
        switch a.type {
        case .mappedAddress, .responseOrigin, .otherAddress, .alternateServer:
            _ = try decodeAddress(a, offset: offset, xor: nil)
        case .xorMappedAddress, .xorPeerAddress, .xorRelayedAddress:
            _ = try decodeAddress(a, offset: offset, xor: transactionID)
        case .username: try length(n <= maxUsernameLength)
        case .realm, .nonce, .software: try length(n <= maxTextLength)
        case .messageIntegrity: try length(n == 20)
        case .messageIntegritySHA256: try length(n >= 16 && n <= 32 && n & 3 == 0)
        case .fingerprint: try length(n == 4)
        case .errorCode: _ = try decodeErrorCode(a, offset: offset)
        case .unknownAttributes: try length(n & 1 == 0)
        case .priority, .changeRequest, .lifetime, .requestedTransport, .channelNumber,
             .requestedAddressFamily, .responsePort:
            try length(n == 4)
        case .iceControlled, .iceControlling, .reservationToken: try length(n == 8)
        case .useCandidate, .dontFragment: try length(n == 0)
        case .evenPort: try length(n == 1)
        default: break
        }
    }

    // MARK: Addresses (RFC 8489 §14.1, §14.2)

    /// The value of MAPPED-ADDRESS (and the like) or, when `xor` is given, XOR-MAPPED-ADDRESS:
    /// the port is XORed with the cookie's top 16 bits and the IP with the cookie (IPv4) or the
    /// cookie followed by the transaction ID (IPv6).
    static func encodeAddress(_ address: TransportAddress, xor tid: STUNTransactionID?) -> [UInt8] {
        var w = ByteWriter(capacity: 20)
        w.write(UInt8(0))
        w.write(address.family.rawValue)
        if let tid {
            w.write(address.port ^ UInt16(magicCookie >> 16))
            let mask = xorMask(tid)
            for (i, b) in address.ip.enumerated() { w.write(b ^ mask[i]) }
        } else {
            w.write(address.port)
            w.write(contentsOf: address.ip)
        }
        return w.bytes
    }

    static func decodeAddress(_ a: STUNAttribute, offset: Int, xor tid: STUNTransactionID?) throws -> TransportAddress {
        var r = ByteReader(a.value)
        guard r.skip(1), let familyByte = r.readUInt8(), let rawPort = r.readUInt16() else {
            throw STUNError.badAttributeLength(type: a.type, offset: offset, length: a.value.count)
        }
        guard let family = TransportAddress.Family(rawValue: familyByte) else {
            throw STUNError.badAddressFamily(type: a.type, offset: offset, family: familyByte)
        }
        guard r.remaining == family.addressLength, var ip = r.readBytes(family.addressLength) else {
            throw STUNError.badAttributeLength(type: a.type, offset: offset, length: a.value.count)
        }
        var port = rawPort
        if let tid {
            port ^= UInt16(magicCookie >> 16)
            let mask = xorMask(tid)
            for i in ip.indices { ip[i] ^= mask[i] }
        }
        return TransportAddress(ip: ip, port: port)!
    }

    /// Magic cookie followed by the transaction ID: 16 bytes, of which IPv4 uses the first 4.
    private static func xorMask(_ tid: STUNTransactionID) -> [UInt8] {
        var w = ByteWriter(capacity: 16)
        w.write(magicCookie)
        w.write(tid.high)
        w.write(tid.low)
        return w.bytes
    }

    // MARK: ERROR-CODE (RFC 8489 §14.8)

    static func encodeErrorCode(_ e: STUNErrorCode) -> [UInt8] {
        var w = ByteWriter(capacity: 4 + e.reason.utf8.count)
        w.write(UInt16(0))
        w.write(UInt8(truncatingIfNeeded: e.errorClass & 0x07))
        w.write(UInt8(truncatingIfNeeded: e.number))
        w.write(contentsOf: e.reason.utf8.prefix(maxTextLength))
        return w.bytes
    }

    static func decodeErrorCode(_ a: STUNAttribute, offset: Int) throws -> STUNErrorCode {
        var r = ByteReader(a.value)
        guard a.value.count <= 4 + maxTextLength, r.skip(2), let cls = r.readUInt8(), let number = r.readUInt8() else {
            throw STUNError.badAttributeLength(type: a.type, offset: offset, length: a.value.count)
        }
        let errorClass = Int(cls & 0x07)
        guard (3...6).contains(errorClass) else {
            throw STUNError.badAttributeValue(type: a.type, offset: offset, reason: "error class \(errorClass) outside 3...6")
        }
        guard number < 100 else {
            throw STUNError.badAttributeValue(type: a.type, offset: offset, reason: "error number \(number) above 99")
        }
        let reason = String(decoding: a.value[4...], as: UTF8.self)
        return STUNErrorCode(errorClass * 100 + Int(number), reason: reason)
    }

    // MARK: Integers

    static func encode(_ v: UInt32) -> [UInt8] {
        var w = ByteWriter(capacity: 4)
        w.write(v)
        return w.bytes
    }

    static func encode(_ v: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.write(v)
        return w.bytes
    }

    static func decodeUInt32(_ value: [UInt8]) -> UInt32? {
        guard value.count == 4 else { return nil }
        var r = ByteReader(value)
        return r.readUInt32()
    }

    static func decodeUInt64(_ value: [UInt8]) -> UInt64? {
        guard value.count == 8 else { return nil }
        var r = ByteReader(value)
        return r.readUInt64()
    }
}
