import Testing
@testable import RTCCore
@testable import RTCSTUN

/// RFC 5769 test vectors (Copyright (c) 2010 IETF Trust and the persons identified as the
/// document authors), byte for byte. The first three pad with 0x20 on purpose.
enum RFC5769 {
    static let password = "VOkJxbRl1RmTxUk/WvJxBt"
    static let transactionID = STUNTransactionID(bytes: [UInt8](hex: "b7e7a701bc34d686fa87dfae")!)!

    /// §2.1 Sample Request.
    static let request = [UInt8](hex: """
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """)!

    /// §2.2 Sample IPv4 Response.
    static let ipv4Response = [UInt8](hex: """
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """)!

    /// §2.3 Sample IPv6 Response.
    static let ipv6Response = [UInt8](hex: """
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """)!

    /// §2.4 Sample Request with Long-Term Authentication.
    static let longTermRequest = [UInt8](hex: """
        00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
        00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66
        """)!
    static let longTermUsername = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}"
    /// SASLprep("The\u{00AD}M\u{00AA}tr\u{2168}").
    static let longTermPassword = "TheMatrIX"

    static let all = [request, ipv4Response, ipv6Response, longTermRequest]
}

@Suite struct STUNVectorTests {
    private let key = STUNMessage.shortTermKey(password: RFC5769.password)
    private let space: [UInt8] = [0x20]

    @Test func sampleRequest() throws {
        let m = try STUNMessage(decoding: RFC5769.request)
        #expect(m.messageClass == .request)
        #expect(m.method == .binding)
        #expect(m.transactionID == RFC5769.transactionID)
        #expect(m.software == "STUN test client")
        #expect(m.priority == 0x6E00_01FF)
        #expect(m.iceControlled == 0x932F_F9B1_5126_3B36)
        #expect(m.iceControlling == nil)
        #expect(m.username == "evtj:h6vY")
        try m.verifyMessageIntegrity(key: key)
        #expect(throws: STUNError.integrityMismatch(type: .messageIntegrity, offset: 76)) {
            try m.verifyMessageIntegrity(key: STUNMessage.shortTermKey(password: "VOkJxbRl1RmTxUk/WvJxBT"))
        }
        try m.verifyFingerprint()
        #expect(m.encode() == RFC5769.request)
    }

    @Test func sampleRequestBuiltFromScratch() {
        var m = STUNMessage(.request, .binding, transactionID: RFC5769.transactionID)
        m.software = "STUN test client"
        m.priority = 0x6E00_01FF
        m.iceControlled = 0x932F_F9B1_5126_3B36
        m.attributes.append(STUNAttribute(type: .username, value: Array("evtj:h6vY".utf8), padding: [0x20, 0x20, 0x20]))
        m.addMessageIntegrity(key: key)
        m.addFingerprint()
        #expect(m.encode() == RFC5769.request)
    }

    @Test func sampleIPv4Response() throws {
        let m = try STUNMessage(decoding: RFC5769.ipv4Response)
        #expect(m.messageClass == .successResponse)
        #expect(m.method == .binding)
        #expect(m.software == "test vector")
        #expect(m.xorMappedAddress == TransportAddress("192.0.2.1:32853"))
        #expect(m.xorMappedAddress?.description == "192.0.2.1:32853")
        try m.verifyMessageIntegrity(key: key)
        #expect(!m.hasValidMessageIntegrity(key: [0x00]))
        try m.verifyFingerprint()
        #expect(m.encode() == RFC5769.ipv4Response)

        var built = STUNMessage(.successResponse, .binding, transactionID: RFC5769.transactionID)
        built.attributes.append(STUNAttribute(type: .software, value: Array("test vector".utf8), padding: space))
        built.xorMappedAddress = TransportAddress("192.0.2.1:32853")
        built.addMessageIntegrity(key: key)
        built.addFingerprint()
        #expect(built.encode() == RFC5769.ipv4Response)
    }

    @Test func sampleIPv6Response() throws {
        let m = try STUNMessage(decoding: RFC5769.ipv6Response)
        let expected = TransportAddress("[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        #expect(expected != nil)
        #expect(m.xorMappedAddress == expected)
        #expect(m.xorMappedAddress?.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        try m.verifyMessageIntegrity(key: key)
        #expect(!m.hasValidMessageIntegrity(key: STUNMessage.shortTermKey(password: "wrong")))
        try m.verifyFingerprint()
        #expect(m.encode() == RFC5769.ipv6Response)

        var built = STUNMessage(.successResponse, .binding, transactionID: RFC5769.transactionID)
        built.attributes.append(STUNAttribute(type: .software, value: Array("test vector".utf8), padding: space))
        built.xorMappedAddress = expected
        built.addMessageIntegrity(key: key)
        built.addFingerprint()
        #expect(built.encode() == RFC5769.ipv6Response)
    }

    @Test func longTermRequest() throws {
        let m = try STUNMessage(decoding: RFC5769.longTermRequest)
        #expect(m.messageClass == .request && m.method == .binding)
        #expect(m.username == RFC5769.longTermUsername)
        #expect(m.nonce == "f//499k954d6OL34oL9FSTvy64sA")
        #expect(m.realm == "example.org")
        let key = STUNMessage.longTermKey(username: RFC5769.longTermUsername, realm: "example.org",
                                          password: RFC5769.longTermPassword)
        #expect(key.count == 16)
        try m.verifyMessageIntegrity(key: key)
        let wrong = STUNMessage.longTermKey(username: RFC5769.longTermUsername, realm: "example.org", password: "thematrix")
        #expect(throws: STUNError.self) { try m.verifyMessageIntegrity(key: wrong) }
        #expect(throws: STUNError.missingAttribute(.fingerprint)) { try m.verifyFingerprint() }
        #expect(m.encode() == RFC5769.longTermRequest)

        // Zero padding throughout, so plain setters rebuild it exactly.
        var built = STUNMessage(.request, .binding, transactionID: m.transactionID)
        built.username = RFC5769.longTermUsername
        built.nonce = "f//499k954d6OL34oL9FSTvy64sA"
        built.realm = "example.org"
        built.addMessageIntegrity(key: key)
        #expect(built.encode() == RFC5769.longTermRequest)
    }

    @Test(arguments: 0..<4)
    func vectorsAreSTUN(vector: Int) {
        let bytes = RFC5769.all[vector]
        #expect(STUNMessage.isSTUN(bytes))
        #expect(!ChannelData.isChannelData(bytes))
    }

    @Test(arguments: 0..<4)
    func everyFlippedBitBreaksFingerprintOrIntegrity(vector: Int) throws {
        let bytes = RFC5769.all[vector]
        let key = vector == 3
            ? STUNMessage.longTermKey(username: RFC5769.longTermUsername, realm: "example.org", password: "TheMatrIX")
            : key
        let protected = vector == 3 ? bytes.count - 24 : bytes.count - 32  // up to MESSAGE-INTEGRITY
        for i in 0..<protected * 8 {
            var b = bytes
            b[i / 8] ^= 1 << (i % 8)
            guard let m = try? STUNMessage(decoding: b) else { continue }
            if vector == 3 {
                #expect(!m.hasValidMessageIntegrity(key: key))
            } else {
                #expect(!m.hasValidFingerprint || !m.hasValidMessageIntegrity(key: key))
            }
        }
    }
}
