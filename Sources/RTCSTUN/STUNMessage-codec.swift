import RTCCore

extension STUNMessage {
    /// A quick test that a datagram is STUN, for demultiplexing (RFC 7983 §7, RFC 8489 §5): at
    /// least 20 bytes, the two top bits zero, and the magic cookie in place. It does not
    /// validate the rest; `init(decoding:)` does.
    public static func isSTUN(_ bytes: [UInt8]) -> Bool {
        bytes.count >= headerSize && bytes[0] & 0xC0 == 0
            && bytes[4] == 0x21 && bytes[5] == 0x12 && bytes[6] == 0xA4 && bytes[7] == 0x42
    }

    /// Decodes one STUN message that fills `bytes` exactly (one UDP datagram).
    ///
    /// Checks the header (RFC 8489 §6.3: top bits, magic cookie, length a multiple of 4 that
    /// matches the datagram), walks the attributes (each fits, with its padding), and validates
    /// the values of the attributes this module knows (address families, fixed sizes, bounds).
    /// Unknown attributes are kept as they are. Integrity and fingerprint are not checked here;
    /// see `verifyMessageIntegrity(key:)` and `verifyFingerprint()`.
    ///
    /// - Throws: `STUNError` naming the offset (and attribute type) of the first problem.
    public init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= Self.headerSize else { throw STUNError.truncatedHeader(count: bytes.count) }
        var r = ByteReader(bytes)
        let type = r.readUInt16()!
        guard type & 0xC000 == 0 else { throw STUNError.notSTUN(firstByte: bytes[0]) }
        let length = Int(r.readUInt16()!)
        let cookie = r.readUInt32()!
        guard cookie == Self.magicCookie else { throw STUNError.badMagicCookie(cookie) }
        guard length & 3 == 0 else { throw STUNError.lengthNotMultipleOfFour(length: length) }
        guard length == bytes.count - Self.headerSize else {
            throw STUNError.lengthMismatch(declared: length, available: bytes.count - Self.headerSize)
        }
        let tid = STUNTransactionID(high: r.readUInt32()!, low: r.readUInt64()!)
        let (method, messageClass) = Self.split(messageType: type)

        var attributes: [STUNAttribute] = []
        while !r.isAtEnd {
            let offset = r.offset
            // length is a multiple of 4, so at least 4 bytes remain here.
            let attrType = STUNAttributeType(r.readUInt16()!)
            let attrLength = Int(r.readUInt16()!)
            guard let value = r.readBytes(attrLength) else {
                throw STUNError.attributeLengthPastEnd(type: attrType, offset: offset, length: attrLength)
            }
            let padCount = STUNAttribute.paddingCount(attrLength)
            guard let pad = r.readBytes(padCount) else {
                throw STUNError.truncatedPadding(type: attrType, offset: offset)
            }
            let attribute = STUNAttribute(type: attrType, value: value,
                                          padding: pad.allSatisfy { $0 == 0 } ? [] : pad)
            try Self.validate(attribute, offset: offset, transactionID: tid)
            attributes.append(attribute)
        }
        self.init(messageClass, method, transactionID: tid, attributes: attributes)
    }

    /// Serializes the message: header with the computed length, then each attribute with its
    /// padding (zeros, or the bytes kept from decoding).
    ///
    /// Use this for messages carrying values from outside (a peer's ufrag, a server's NONCE):
    /// it never traps.
    /// - Throws: `STUNError.tooLongToEncode` when an attribute or the whole body exceeds the 16-bit
    ///   length field (65535 bytes, RFC 8489 §5, §14).
    public func encoded() throws -> [UInt8] {
        for a in attributes where a.value.count > 0xFFFF {
            throw STUNError.tooLongToEncode(type: a.type, length: a.value.count)
        }
        let body = encodedCount - Self.headerSize
        guard body <= 0xFFFF else { throw STUNError.tooLongToEncode(type: nil, length: body) }
        var w = ByteWriter(capacity: encodedCount)
        encodeHeader(into: &w, length: body)
        for a in attributes { Self.encode(a, into: &w) }
        return w.bytes
    }

    /// `encoded()` for messages built only from our own values (tests, fixed requests).
    ///
    /// - Warning: Traps if the attributes add up to more than 65535 bytes, which the 16-bit
    ///   length field cannot express; use `encoded()` when any value comes from outside.
    public func encode() -> [UInt8] {
        do { return try encoded() } catch { preconditionFailure("\(error)") }
    }

    /// The encoded size in bytes.
    public var encodedCount: Int { attributes.reduce(Self.headerSize) { $0 + $1.encodedCount } }

    func encodeHeader(into w: inout ByteWriter, length: Int) {
        w.write(messageType)
        w.write(UInt16(truncatingIfNeeded: length))
        w.write(Self.magicCookie)
        w.write(transactionID.high)
        w.write(transactionID.low)
    }

    /// Writes one attribute. An over-long value gets a truncated length here rather than a trap
    /// (integrity is computed before `encoded()` refuses the message).
    static func encode(_ a: STUNAttribute, into w: inout ByteWriter) {
        w.write(a.type.rawValue)
        w.write(UInt16(truncatingIfNeeded: a.value.count))
        w.write(contentsOf: a.value)
        let n = STUNAttribute.paddingCount(a.value.count)
        if a.padding.count == n {
            w.write(contentsOf: a.padding)
        } else {
            for _ in 0..<n { w.write(UInt8(0)) }
        }
    }
}
