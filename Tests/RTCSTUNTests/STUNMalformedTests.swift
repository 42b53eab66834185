import Testing
@testable import RTCCore
@testable import RTCSTUN

/// Malformed input throws a `STUNError` that says where; nothing traps.
@Suite struct STUNMalformedTests {
    /// A STUN message with `body` after a Binding request header; `length` overrides the header's.
    static func message(_ body: [UInt8], length: Int? = nil, type: UInt16 = 0x0001) -> [UInt8] {
        var w = ByteWriter()
        w.write(type)
        w.write(UInt16(length ?? body.count))
        w.write(STUNMessage.magicCookie)
        w.write(contentsOf: [UInt8](repeating: 0xAB, count: 12))
        w.write(contentsOf: body)
        return w.bytes
    }

    /// One attribute TLV, zero-padded.
    static func attr(_ type: STUNAttributeType, _ value: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.write(type.rawValue)
        w.write(UInt16(value.count))
        w.write(contentsOf: value)
        while w.count % 4 != 0 { w.write(UInt8(0)) }
        return w.bytes
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let error: STUNError
        var testDescription: String { name }
    }

    static let software = attr(.software, [0x61, 0x62, 0x63, 0x64])
    static func zeros(_ n: Int) -> [UInt8] { [UInt8](repeating: 0, count: n) }

    static let cases: [Case] = [
        Case(name: "empty", bytes: [], error: .truncatedHeader(count: 0)),
        Case(name: "19-byte header", bytes: Array(message([]).prefix(19)), error: .truncatedHeader(count: 19)),
        Case(name: "top bits set", bytes: message([], type: 0x8001), error: .notSTUN(firstByte: 0x80)),
        Case(name: "top bit 0x40 (ChannelData)", bytes: message([], type: 0x4001), error: .notSTUN(firstByte: 0x40)),
        Case(name: "bad magic cookie", bytes: { var b = message([]); b[7] = 0x43; return b }(),
             error: .badMagicCookie(0x2112_A443)),
        Case(name: "length not multiple of 4", bytes: message([0, 0], length: 2), error: .lengthNotMultipleOfFour(length: 2)),
        Case(name: "unpadded last attribute", bytes: message([0x80, 0x22, 0, 1, 0x61]),
             error: .lengthNotMultipleOfFour(length: 5)),
        Case(name: "length past datagram", bytes: message(software, length: 12),
             error: .lengthMismatch(declared: 12, available: 8)),
        Case(name: "trailing bytes", bytes: message(software, length: 4),
             error: .lengthMismatch(declared: 4, available: 8)),
        Case(name: "attribute length past end", bytes: message([0x80, 0x22, 0, 9, 1, 2, 3, 4]),
             error: .attributeLengthPastEnd(type: .software, offset: 20, length: 9)),
        Case(name: "second attribute past end", bytes: message(software + [0x00, 0x06, 0xFF, 0xFF]),
             error: .attributeLengthPastEnd(type: .username, offset: 28, length: 0xFFFF)),
        Case(name: "address family 3", bytes: message(attr(.xorMappedAddress, [0, 3, 0, 0, 1, 2, 3, 4])),
             error: .badAddressFamily(type: .xorMappedAddress, offset: 20, family: 3)),
        Case(name: "address family 0", bytes: message(software + attr(.mappedAddress, [0, 0, 0, 0, 1, 2, 3, 4])),
             error: .badAddressFamily(type: .mappedAddress, offset: 28, family: 0)),
        Case(name: "IPv4 with 16 address bytes", bytes: message(attr(.mappedAddress, [0, 1, 0, 0] + zeros(16))),
             error: .badAttributeLength(type: .mappedAddress, offset: 20, length: 20)),
        Case(name: "IPv6 with 4 address bytes", bytes: message(attr(.xorPeerAddress, [0, 2, 0, 0, 1, 2, 3, 4])),
             error: .badAttributeLength(type: .xorPeerAddress, offset: 20, length: 8)),
        Case(name: "address of 2 bytes", bytes: message(attr(.xorRelayedAddress, [0, 1])),
             error: .badAttributeLength(type: .xorRelayedAddress, offset: 20, length: 2)),
        Case(name: "PRIORITY of 3 bytes", bytes: message(attr(.priority, [1, 2, 3])),
             error: .badAttributeLength(type: .priority, offset: 20, length: 3)),
        Case(name: "ICE-CONTROLLING of 4 bytes", bytes: message(attr(.iceControlling, zeros(4))),
             error: .badAttributeLength(type: .iceControlling, offset: 20, length: 4)),
        Case(name: "ICE-CONTROLLED of 12 bytes", bytes: message(attr(.iceControlled, zeros(12))),
             error: .badAttributeLength(type: .iceControlled, offset: 20, length: 12)),
        Case(name: "USE-CANDIDATE with a value", bytes: message(attr(.useCandidate, zeros(4))),
             error: .badAttributeLength(type: .useCandidate, offset: 20, length: 4)),
        Case(name: "MESSAGE-INTEGRITY of 16 bytes", bytes: message(attr(.messageIntegrity, zeros(16))),
             error: .badAttributeLength(type: .messageIntegrity, offset: 20, length: 16)),
        Case(name: "MESSAGE-INTEGRITY-SHA256 of 12 bytes", bytes: message(attr(.messageIntegritySHA256, zeros(12))),
             error: .badAttributeLength(type: .messageIntegritySHA256, offset: 20, length: 12)),
        Case(name: "MESSAGE-INTEGRITY-SHA256 of 18 bytes", bytes: message(attr(.messageIntegritySHA256, zeros(18))),
             error: .badAttributeLength(type: .messageIntegritySHA256, offset: 20, length: 18)),
        Case(name: "MESSAGE-INTEGRITY-SHA256 of 36 bytes", bytes: message(attr(.messageIntegritySHA256, zeros(36))),
             error: .badAttributeLength(type: .messageIntegritySHA256, offset: 20, length: 36)),
        Case(name: "FINGERPRINT of 8 bytes", bytes: message(attr(.fingerprint, zeros(8))),
             error: .badAttributeLength(type: .fingerprint, offset: 20, length: 8)),
        Case(name: "ERROR-CODE of 3 bytes", bytes: message(attr(.errorCode, [0, 0, 4])),
             error: .badAttributeLength(type: .errorCode, offset: 20, length: 3)),
        Case(name: "ERROR-CODE class 2", bytes: message(attr(.errorCode, [0, 0, 2, 0])),
             error: .badAttributeValue(type: .errorCode, offset: 20, reason: "error class 2 outside 3...6")),
        Case(name: "ERROR-CODE number 100", bytes: message(attr(.errorCode, [0, 0, 4, 100])),
             error: .badAttributeValue(type: .errorCode, offset: 20, reason: "error number 100 above 99")),
        Case(name: "UNKNOWN-ATTRIBUTES of odd length", bytes: message(attr(.unknownAttributes, [0, 1, 0])),
             error: .badAttributeLength(type: .unknownAttributes, offset: 20, length: 3)),
        Case(name: "LIFETIME of 8 bytes", bytes: message(attr(.lifetime, zeros(8))),
             error: .badAttributeLength(type: .lifetime, offset: 20, length: 8)),
        Case(name: "CHANNEL-NUMBER of 2 bytes", bytes: message(attr(.channelNumber, [0x40, 0])),
             error: .badAttributeLength(type: .channelNumber, offset: 20, length: 2)),
        Case(name: "REQUESTED-TRANSPORT of 1 byte", bytes: message(attr(.requestedTransport, [17])),
             error: .badAttributeLength(type: .requestedTransport, offset: 20, length: 1)),
        Case(name: "CHANGE-REQUEST of 0 bytes", bytes: message(attr(.changeRequest, [])),
             error: .badAttributeLength(type: .changeRequest, offset: 20, length: 0)),
        Case(name: "USERNAME of 514 bytes", bytes: message(attr(.username, [UInt8](repeating: 0x61, count: 514))),
             error: .badAttributeLength(type: .username, offset: 20, length: 514)),
        Case(name: "REALM of 764 bytes", bytes: message(attr(.realm, [UInt8](repeating: 0x61, count: 764))),
             error: .badAttributeLength(type: .realm, offset: 20, length: 764)),
    ]

    @Test(arguments: cases)
    func rejects(_ c: Case) {
        #expect(throws: c.error) { try STUNMessage(decoding: c.bytes) }
        // The error message names the place.
        #expect(!c.error.description.isEmpty)
    }

    @Test func errorDescriptionsSayWhere() {
        let e = STUNError.badAddressFamily(type: .xorMappedAddress, offset: 28, family: 3)
        #expect(e.description == "attribute XOR-MAPPED-ADDRESS at offset 28: bad address family 0x3")
    }

    @Test func nonZeroPaddingIsAcceptedAndKept() throws {
        var body = Self.attr(.software, [0x61])
        body[5...7] = [0xDE, 0xAD, 0xBE]
        let bytes = Self.message(body)
        let m = try STUNMessage(decoding: bytes)
        #expect(m.software == "a")
        #expect(m.attributes[0].padding == [0xDE, 0xAD, 0xBE])
        #expect(m.encode() == bytes)
    }

    @Test func unknownComprehensionRequiredAttributeStillDecodes() throws {
        let m = try STUNMessage(decoding: Self.message(Self.attr(STUNAttributeType(0x0031), [1, 2, 3, 4, 5])))
        #expect(m.attributes.count == 1 && m.attributes[0].value == [1, 2, 3, 4, 5])
    }
}
