import Testing
@testable import RTCDTLS
@testable import RTCSRTP

/// Known answers: RFC 3711 Appendix B and RFC 7714 §16–17 anchor `SRTPReference` (OpenSSL, no
/// libsrtp); libsrtp's output through `SRTPSession` must then equal the reference byte for byte.
@Suite struct SRTPVectorTests {
    // RFC 3711 Appendix B.3.
    static let cmMasterKey = [UInt8](srpHex: "E1F97A0D3E018BE0D64FA32C06DE4139")
    static let cmMasterSalt = [UInt8](srpHex: "0EC675AD498AFEEBB6960B3AABE6")
    // RFC 7714 §16: key and "Quid pro quo" (there session key and salt; here also used as master).
    static let gcmKey = [UInt8](srpHex: "000102030405060708090a0b0c0d0e0f")
    static let gcmSalt = [UInt8](srpHex: "517569642070726f2071756f")
    // RFC 7714 §16.1 / §17.1 plaintexts.
    static let gcmRTP = [UInt8](srpHex: """
        8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
        69736120 696e2070 61727465 73207472 6573
        """)
    static let gcmRTCP = [UInt8](srpHex: """
        81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
        deadbeef deadbeef deadbeef deadbeef deadbeef
        """)

    /// RFC 3711 Appendix B.3: session keys from the master key (kdr 0).
    @Test func rfc3711KeyDerivation() {
        func derive(_ label: UInt8, _ n: Int) -> [UInt8] {
            SRTPReference.derive(masterKey: Self.cmMasterKey, masterSalt: Self.cmMasterSalt, label: label, length: n)
        }
        #expect(derive(0, 16) == [UInt8](srpHex: "C61E7A93744F39EE10734AFE3FF7A087"))
        #expect(derive(2, 14) == [UInt8](srpHex: "30CBBC08863D8C85D49DB34A9AE1"))
        #expect(derive(1, 94) == [UInt8](srpHex: """
            CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE E049646C43D9327AD175578EF7227098
            6371C10C9A369AC2F94A8C5FBCDDDC25 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2
            """))
    }

    /// RFC 3711 Appendix B.2: the AES-CM keystream for SSRC 0, index 0.
    @Test func rfc3711Keystream() {
        let iv = SRTPReference.cmIV(
            salt: [UInt8](srpHex: "F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), ssrc: 0, index: 0)
        #expect(iv == [UInt8](srpHex: "F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"))
        let keystream = SRTPReference.aesCTR(
            key: [UInt8](srpHex: "2B7E151628AED2A6ABF7158809CF4F3C"), iv: iv, [UInt8](repeating: 0, count: 48))
        #expect(keystream == [UInt8](srpHex: """
            E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB 41E95B3BB0A2E8DD477901E4FCA894C0
            """))
    }

    /// RFC 7714 §16.1.1 and §17.1.1: AEAD_AES_128_GCM SRTP and SRTCP with the given session key and salt.
    @Test func rfc7714ReferencePackets() {
        let keys = SRTPReference.Keys(cipher: Self.gcmKey, salt: Self.gcmSalt)
        #expect(SRTPReference.protectRTP(gcm: keys, Self.gcmRTP) == [UInt8](srpHex: """
            8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a
            51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce
            """))
        #expect(SRTPReference.protectRTCP(gcm: keys, Self.gcmRTCP, index: 0x5d4) == [UInt8](srpHex: """
            81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda
            4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4
            """))
    }

    /// AES_CM_128_HMAC_SHA1_80 over the RFC 3711 B.3 master key: libsrtp's packet equals the
    /// reference's (and the one libsrtp's own srtp_driver lists), and unprotects to the plaintext.
    @Test func aesCMPacketMatchesReference() throws {
        let plain = [UInt8](srpHex: "800f1234 decafbad cafebabe") + [UInt8](repeating: 0xab, count: 16)
        let master = Self.cmMasterKey + Self.cmMasterSalt
        let session = try SRTPSession(profile: .aes128CmHmacSha1_80, localMasterKey: master, remoteMasterKey: master)
        let keys = SRTPReference.Keys(profile: .aes128CmHmacSha1_80, masterKey: Self.cmMasterKey,
                                      masterSalt: Self.cmMasterSalt, rtcp: false)
        let expected = SRTPReference.protectRTP(cm: keys, plain)
        #expect(expected == [UInt8](srpHex: """
            800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb
            """))
        let protected = try #require(session.protectRTP(plain))
        #expect(protected == expected)
        #expect(session.unprotectRTP(protected) == plain)
        #expect(session.statistics == SRTPStatistics(protected: 1, unprotected: 1))
    }

    @Test func aesCMRTCPMatchesReference() throws {
        let master = Self.cmMasterKey + Self.cmMasterSalt
        let session = try SRTPSession(profile: .aes128CmHmacSha1_80, localMasterKey: master, remoteMasterKey: master)
        let keys = SRTPReference.Keys(profile: .aes128CmHmacSha1_80, masterKey: Self.cmMasterKey,
                                      masterSalt: Self.cmMasterSalt, rtcp: true)
        for index: UInt32 in 1...2 {  // libsrtp numbers SRTCP packets from 1
            let protected = try #require(session.protectRTCP(Self.gcmRTCP))
            #expect(protected == SRTPReference.protectRTCP(cm: keys, Self.gcmRTCP, index: index))
            #expect(session.unprotectRTCP(protected) == Self.gcmRTCP)
        }
    }

    /// AEAD_AES_128_GCM with the §16 key and salt as master key: libsrtp derives the session keys
    /// (RFC 7714 §11) and its packets equal the reference's.
    @Test func aesGCMPacketsMatchReference() throws {
        let master = Self.gcmKey + Self.gcmSalt
        let session = try SRTPSession(profile: .aeadAes128Gcm, localMasterKey: master, remoteMasterKey: master)
        let rtpKeys = SRTPReference.Keys(profile: .aeadAes128Gcm, masterKey: Self.gcmKey, masterSalt: Self.gcmSalt,
                                         rtcp: false)
        let rtcpKeys = SRTPReference.Keys(profile: .aeadAes128Gcm, masterKey: Self.gcmKey, masterSalt: Self.gcmSalt,
                                          rtcp: true)
        let protected = try #require(session.protectRTP(Self.gcmRTP))
        #expect(protected == SRTPReference.protectRTP(gcm: rtpKeys, Self.gcmRTP))
        #expect(protected.count == Self.gcmRTP.count + 16)
        #expect(session.unprotectRTP(protected) == Self.gcmRTP)

        let protectedRTCP = try #require(session.protectRTCP(Self.gcmRTCP))
        #expect(protectedRTCP == SRTPReference.protectRTCP(gcm: rtcpKeys, Self.gcmRTCP, index: 1))
        #expect(session.unprotectRTCP(protectedRTCP) == Self.gcmRTCP)

        // And a packet the reference built (a later sequence number) unprotects in libsrtp.
        var next = Self.gcmRTP
        next[3] &+= 1
        #expect(session.unprotectRTP(SRTPReference.protectRTP(gcm: rtpKeys, next)) == next)
        #expect(session.statistics == SRTPStatistics(protected: 2, unprotected: 3))
    }

    /// A header with a CSRC and an extension: both stay in the clear and are authenticated.
    @Test(arguments: [SRTPProtectionProfile.aes128CmHmacSha1_80, .aeadAes128Gcm])
    func headerExtensionStaysClear(profile: SRTPProtectionProfile) throws {
        let key = [UInt8](repeating: 0x11, count: profile.keyLength)
        let salt = [UInt8](repeating: 0x22, count: profile.saltLength)
        let session = try SRTPSession(profile: profile, localMasterKey: key + salt, remoteMasterKey: key + salt)
        // V=2 X=1 CC=1, PT 96, seq 7, ts, SSRC, 1 CSRC, extension 0xBEDE with 1 word, payload.
        let plain = [UInt8](srpHex: "91600007 00000100 01020304 0a0b0c0d bede0001 10ff0000")
            + (0..<40).map { UInt8($0) }
        let keys = SRTPReference.Keys(profile: profile, masterKey: key, masterSalt: salt, rtcp: false)
        let expected = profile == .aeadAes128Gcm
            ? SRTPReference.protectRTP(gcm: keys, plain, headerLength: 24)
            : SRTPReference.protectRTP(cm: keys, plain, headerLength: 24)
        let protected = try #require(session.protectRTP(plain))
        #expect(protected == expected)
        #expect(protected[..<24] == plain[..<24])
        #expect(session.unprotectRTP(protected) == plain)
    }
}

@Suite struct SRTPLibraryTests {
    /// libsrtp took our OpenSSL transforms (it ran its own and our known-answer tests on them);
    /// the vectors above then ran through them.
    @Test func openSSLTransformsInstalled() throws {
        let library = try SRTPLibrary.initialized.get()
        #expect(library.openSSLTransforms == ["AES-ICM-128", "AES-GCM-128", "HMAC-SHA1"])
    }
}
