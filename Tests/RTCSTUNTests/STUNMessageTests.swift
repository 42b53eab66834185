import Testing
@testable import RTCCore
@testable import RTCSTUN

@Suite struct STUNMessageTests {
    private let tid = STUNTransactionID(high: 0x0102_0304, low: 0x0506_0708_090A_0B0C)

    private func roundTrip(_ m: STUNMessage) throws -> STUNMessage {
        let bytes = m.encode()
        #expect(bytes.count == m.encodedCount)
        #expect(bytes.count % 4 == 0)
        #expect(STUNMessage.isSTUN(bytes))
        let back = try STUNMessage(decoding: bytes)
        #expect(back == m)
        #expect(back.encode() == bytes)
        return back
    }

    /// RFC 8489 §5 figure 3 and RFC 8656 §17: known message types.
    @Test(arguments: [
        (STUNMethod.binding, STUNMessageClass.request, UInt16(0x0001)),
        (.binding, .indication, 0x0011),
        (.binding, .successResponse, 0x0101),
        (.binding, .errorResponse, 0x0111),
        (.allocate, .request, 0x0003),
        (.allocate, .successResponse, 0x0103),
        (.allocate, .errorResponse, 0x0113),
        (.refresh, .request, 0x0004),
        (.send, .indication, 0x0016),
        (.data, .indication, 0x0017),
        (.createPermission, .request, 0x0008),
        (.channelBind, .request, 0x0009),
        (STUNMethod(rawValue: 0xFFF), .errorResponse, 0x3FFF),
    ])
    func messageTypeBits(method: STUNMethod, messageClass: STUNMessageClass, type: UInt16) throws {
        let m = STUNMessage(messageClass, method, transactionID: tid)
        #expect(m.messageType == type)
        let bytes = m.encode()
        #expect(UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == type)
        let back = try roundTrip(m)
        #expect(back.method == method && back.messageClass == messageClass)
    }

    @Test func everyMethodAndClassRoundTrips() {
        for raw in UInt16(0)...0xFFF {
            for c in STUNMessageClass.allCases {
                let t = STUNMessage.messageType(method: STUNMethod(rawValue: raw), messageClass: c)
                let (m, c2) = STUNMessage.split(messageType: t)
                #expect(m.rawValue == raw && c2 == c)
            }
        }
    }

    @Test func addressAttributesRoundTrip() throws {
        let v4 = TransportAddress(ipv4: 203, 0, 113, 7, port: 1)
        let v6 = TransportAddress("[2001:db8::1]:65535")!
        var m = STUNMessage(.successResponse, .allocate, transactionID: tid)
        m.mappedAddress = v4
        m.xorMappedAddress = v6
        m.xorRelayedAddress = v4
        m.responseOrigin = v6
        m.otherAddress = v4
        m.alternateServer = v6
        m.xorPeerAddresses = [v4, v6, TransportAddress("[::]:0")!]
        let back = try roundTrip(m)
        #expect(back.mappedAddress == v4)
        #expect(back.xorMappedAddress == v6)
        #expect(back.xorRelayedAddress == v4)
        #expect(back.responseOrigin == v6)
        #expect(back.otherAddress == v4)
        #expect(back.alternateServer == v6)
        #expect(back.xorPeerAddress == v4)
        #expect(back.xorPeerAddresses == [v4, v6, TransportAddress("[::]:0")!])
        // XOR really happened: the raw port differs from the plain one.
        #expect(back.attribute(.xorMappedAddress)!.value[2...3] != [0xFF, 0xFF])
    }

    @Test func scalarAttributesRoundTrip() throws {
        var m = STUNMessage(.request, .binding, transactionID: tid)
        m.username = "ab:cd"
        m.realm = "example.org"
        m.nonce = "n0nce"
        m.software = "rtc 0.1"
        m.priority = 0x7E7F_00FF
        m.useCandidate = true
        m.iceControlling = 0xFEDC_BA98_7654_3210
        m.iceControlled = 1
        m.changeRequest = [.changeIP, .changePort]
        m.lifetime = 600
        m.data = [1, 2, 3, 4, 5]
        m.requestedTransport = 17
        m.channelNumber = 0x4001
        m.errorCode = STUNErrorCode(438, reason: "Stale Nonce")
        m.unknownAttributes = [.init(0x0031), .init(0x7FFF), .init(0x0002)]
        let back = try roundTrip(m)
        #expect(back.username == "ab:cd")
        #expect(back.realm == "example.org")
        #expect(back.nonce == "n0nce")
        #expect(back.software == "rtc 0.1")
        #expect(back.priority == 0x7E7F_00FF)
        #expect(back.useCandidate)
        #expect(back.iceControlling == 0xFEDC_BA98_7654_3210)
        #expect(back.iceControlled == 1)
        #expect(back.changeRequest == [.changeIP, .changePort])
        #expect(back.attribute(.changeRequest)?.value == [0, 0, 0, 6])
        #expect(back.lifetime == 600)
        #expect(back.data == [1, 2, 3, 4, 5])
        #expect(back.requestedTransport == 17)
        #expect(back.attribute(.requestedTransport)?.value == [17, 0, 0, 0])
        #expect(back.channelNumber == 0x4001)
        #expect(back.attribute(.channelNumber)?.value == [0x40, 0x01, 0, 0])
        #expect(back.errorCode == STUNErrorCode(438, reason: "Stale Nonce"))
        #expect(back.errorCode?.errorClass == 4 && back.errorCode?.number == 38)
        #expect(back.unknownAttributes == [.init(0x0031), .init(0x7FFF), .init(0x0002)])
    }

    @Test func settersReplaceAndRemove() {
        var m = STUNMessage(.request, .binding, transactionID: tid)
        m.username = "a"
        m.username = "bb"
        #expect(m.attributes.count == 1 && m.username == "bb")
        m.username = nil
        m.useCandidate = false
        #expect(m.attributes.isEmpty)
        #expect(m.username == nil && m.priority == nil && m.errorCode == nil && m.xorMappedAddress == nil)
    }

    @Test func unknownAttributesAreKept() throws {
        var m = STUNMessage(.request, .binding, transactionID: tid)
        m.append(STUNAttributeType(0x7ABC), [9, 9, 9])
        m.append(STUNAttributeType(0xC001), [])
        m.software = "x"
        let back = try roundTrip(m)
        #expect(back.attribute(STUNAttributeType(0x7ABC))?.value == [9, 9, 9])
        #expect(back.attribute(STUNAttributeType(0x7ABC))!.type.isComprehensionRequired)
        #expect(!STUNAttributeType(0xC001).isComprehensionRequired)
        #expect(back.software == "x")
    }

    @Test func integrityAndFingerprintRoundTrip() throws {
        let key = STUNMessage.shortTermKey(password: "pass")
        var m = STUNMessage(.request, .binding, transactionID: tid)
        m.username = "u:v"
        m.addMessageIntegrity(key: key)
        m.addMessageIntegritySHA256(key: key)
        m.addFingerprint()
        let back = try roundTrip(m)
        try back.verifyMessageIntegrity(key: key)
        try back.verifyMessageIntegritySHA256(key: key)
        try back.verifyFingerprint()
        #expect(throws: STUNError.self) { try back.verifyMessageIntegritySHA256(key: [1]) }
        #expect(back.attribute(.messageIntegritySHA256)?.value.count == 32)
    }

    @Test func messageIntegritySHA256Alone() throws {
        let key = STUNMessage.longTermKey(username: "user", realm: "realm", password: "pass")
        var m = STUNMessage(.request, .allocate, transactionID: tid)
        m.requestedTransport = 17
        m.addMessageIntegritySHA256(key: key)
        let back = try roundTrip(m)
        try back.verifyMessageIntegritySHA256(key: key)
        #expect(throws: STUNError.missingAttribute(.messageIntegrity)) { try back.verifyMessageIntegrity(key: key) }
        // Truncated to 16 bytes (RFC 8489 §14.6) still verifies.
        var truncated = back
        truncated.attributes[truncated.attributes.count - 1].value.removeLast(16)
        let bytes = truncated.encode()
        #expect(bytes.count == back.encode().count - 16)
        let decoded = try STUNMessage(decoding: bytes)
        // The header length differs from the signed one, so a truncated MAC must be re-signed.
        #expect(throws: STUNError.self) { try decoded.verifyMessageIntegritySHA256(key: key) }
    }

    @Test func attributesAfterIntegrityAreIgnored() throws {
        let key = STUNMessage.shortTermKey(password: "pw")
        var m = STUNMessage(.request, .binding, transactionID: tid)
        m.priority = 5
        m.addMessageIntegrity(key: key)
        m.append(.username, Array("injected".utf8))
        m.append(.useCandidate, [])
        let back = try roundTrip(m)
        try back.verifyMessageIntegrity(key: key)
        #expect(back.username == nil)
        #expect(!back.useCandidate)
        #expect(back.priority == 5)
        m.addFingerprint()
        try m.verifyFingerprint()
        m.append(.software, [0x41])
        #expect(throws: STUNError.fingerprintNotLast(offset: 68)) { try m.verifyFingerprint() }
        #expect(m.software == nil)
    }

    @Test func fingerprintDetectsCorruption() throws {
        var m = STUNMessage(.indication, .binding, transactionID: tid)
        m.addFingerprint()
        var bytes = m.encode()
        bytes[19] ^= 0x80
        let back = try STUNMessage(decoding: bytes)
        #expect(!back.hasValidFingerprint)
        #expect(throws: STUNError.self) { try back.verifyFingerprint() }
    }

    @Test func responseKeepsTransaction() {
        let req = STUNMessage(.request, .allocate, transactionID: tid)
        let resp = req.response(.errorResponse)
        #expect(resp.transactionID == tid && resp.method == .allocate && resp.messageClass == .errorResponse)
    }

    @Test func transactionIDs() {
        #expect(STUNTransactionID(bytes: tid.bytes) == tid)
        #expect(tid.description == "0102030405060708090a0b0c")
        #expect(STUNTransactionID(bytes: [1, 2, 3]) == nil)
        #expect(STUNTransactionID.random() != STUNTransactionID.random())
        var a = SplitMix64(seed: 3), b = SplitMix64(seed: 3)
        #expect(STUNTransactionID.random(using: &a) == STUNTransactionID.random(using: &b))
    }

    @Test func isSTUNRejectsOtherTraffic() {
        #expect(!STUNMessage.isSTUN([]))
        #expect(!STUNMessage.isSTUN([UInt8](repeating: 0, count: 20)))
        var header = STUNMessage(.request, .binding, transactionID: tid).encode()
        #expect(STUNMessage.isSTUN(header))
        header[0] |= 0x40
        #expect(!STUNMessage.isSTUN(header))
        #expect(!STUNMessage.isSTUN([0x16, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 30)))  // DTLS
    }
}
