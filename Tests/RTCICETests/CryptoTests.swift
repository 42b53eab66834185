import Testing
@testable import RTCCore
@testable import RTCCrypto
@testable import RTCICE

@Suite struct CryptoTests {
    private func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test(arguments: [
        ("", UInt32(0)),
        ("123456789", UInt32(0xCBF4_3926)),
        ("a", UInt32(0xE8B7_BE43)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x414F_A339)),
    ])
    func crc32KnownAnswers(input: String, expected: UInt32) {
        #expect(CRC32.checksum(input) == expected)
    }

    @Test func crc32OverARange() {
        let bytes = ascii("xx123456789yy")
        #expect(CRC32.checksum(bytes, range: 2..<11) == 0xCBF4_3926)
    }

    /// RFC 2202 §3 (HMAC-SHA1) and RFC 4231 §4.2–4.3 (HMAC-SHA256), test cases 1 and 2.
    @Test func hmacKnownAnswers() {
        let key1 = [UInt8](repeating: 0x0B, count: 20)
        #expect(HMAC.sha1(key: key1, message: ascii("Hi There")).hexString
            == "b617318655057264e28bc0b6fb378c8ef146be00")
        #expect(HMAC.sha256(key: key1, message: ascii("Hi There")).hexString
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let jefe = ascii("Jefe"), what = ascii("what do ya want for nothing?")
        #expect(HMAC.sha1(key: jefe, message: what).hexString == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(HMAC.sha256(key: jefe, message: what).hexString
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hmacWithEmptyKeyAndMessage() {
        #expect(HMAC.sha1(key: [], message: []).hexString == "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d")
        #expect(HMAC.sha256(key: [], message: []).hexString
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func digestKnownAnswers() {
        #expect(Digest.sha256(ascii("abc")).hexString
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.sha256([]).hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Digest.sha1(ascii("abc")).hexString == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Digest.md5([]).hexString == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Digest.md5(ascii("abc")).hexString == "900150983cd24fb0d6963f7d28e17f72")
    }

    @Test func secureRandomBytes() {
        #expect(SecureRandom.bytes(0).isEmpty)
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        #expect(a.count == 32 && b.count == 32)
        #expect(a != b)
    }

    @Test func seededBytesAreReproducible() {
        var r1 = SplitMix64(seed: 7), r2 = SplitMix64(seed: 7)
        #expect(SecureRandom.bytes(13, using: &r1) == SecureRandom.bytes(13, using: &r2))
    }

    @Test func iceCredentialsUseIceChars() {
        let allowed = Set(ICECredentials.alphabet)
        #expect(allowed.count == 64)
        let ufrag = ICECredentials.randomUfrag(), pwd = ICECredentials.randomPassword()
        #expect(ufrag.utf8.count == 8)
        #expect(pwd.utf8.count == 24)
        #expect(ufrag.utf8.allSatisfy(allowed.contains) && pwd.utf8.allSatisfy(allowed.contains))
        var r1 = SplitMix64(seed: 42), r2 = SplitMix64(seed: 42)
        #expect(ICECredentials.randomString(length: 30, using: &r1) == ICECredentials.randomString(length: 30, using: &r2))
    }
}

@Suite struct SHA256StreamTests {
    @Test func streamMatchesOneShot() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let s = SHA256Stream()
        s.update(Array(data[..<333]))
        s.update([])
        s.update(Array(data[333...]))
        #expect(s.finalize() == Digest.sha256(data))
        #expect(SHA256Stream().finalize().hexString == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
