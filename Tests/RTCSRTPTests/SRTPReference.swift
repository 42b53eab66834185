import COpenSSL
@testable import RTCCrypto
@testable import RTCDTLS

/// An SRTP transform written from RFC 3711 and RFC 7714 on OpenSSL's AES and HMAC, independent
/// of libsrtp, so that libsrtp's output can be checked byte for byte. Test code only: no replay
/// or rollover tracking, one packet at a time with the index given.
enum SRTPReference {
    /// RFC 3711 §4.3.1 key derivation with key_derivation_rate 0: the AES-CM PRF keyed with the
    /// master key, IV = (master salt XOR (label << 48)) << 16. A 12-byte AEAD salt is padded with
    /// two zero bytes (RFC 7714 §11 uses the same PRF; libsrtp pads this way).
    static func derive(masterKey: [UInt8], masterSalt: [UInt8], label: UInt8, length: Int) -> [UInt8] {
        var x = masterSalt + [UInt8](repeating: 0, count: 14 - masterSalt.count)
        x[7] ^= label
        return aesCTR(key: masterKey, iv: x + [0, 0], [UInt8](repeating: 0, count: length))
    }

    /// Session keys of one direction, RTP (labels 0, 1, 2) or RTCP (3, 4, 5).
    struct Keys {
        let cipher: [UInt8]
        let salt: [UInt8]
        let auth: [UInt8]

        init(cipher: [UInt8], salt: [UInt8], auth: [UInt8] = []) {
            self.cipher = cipher
            self.salt = salt
            self.auth = auth
        }

        init(profile: SRTPProtectionProfile, masterKey: [UInt8], masterSalt: [UInt8], rtcp: Bool) {
            let base: UInt8 = rtcp ? 3 : 0
            let aead = profile == .aeadAes128Gcm || profile == .aeadAes256Gcm
            cipher = derive(masterKey: masterKey, masterSalt: masterSalt, label: base, length: profile.keyLength)
            salt = derive(masterKey: masterKey, masterSalt: masterSalt, label: base + 2, length: profile.saltLength)
            auth = aead ? [] : derive(masterKey: masterKey, masterSalt: masterSalt, label: base + 1, length: 20)
        }
    }

    // MARK: AES_CM_128_HMAC_SHA1_80 (RFC 3711)

    /// RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i the 48-bit index.
    static func cmIV(salt: [UInt8], ssrc: UInt32, index: UInt64) -> [UInt8] {
        var iv = salt + [0, 0]
        for k in 0..<4 { iv[4 + k] ^= UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * k)) }
        for k in 0..<6 { iv[8 + k] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * k)) }
        return iv
    }

    /// RFC 3711 §3.1: encrypt the payload, tag = HMAC-SHA1(header | ciphertext | ROC), 80 bits.
    static func protectRTP(cm keys: Keys, _ packet: [UInt8], roc: UInt32 = 0, headerLength: Int = 12) -> [UInt8] {
        let ssrc = be32(packet, 8)
        let seq = UInt64(packet[2]) << 8 | UInt64(packet[3])
        let iv = cmIV(salt: keys.salt, ssrc: ssrc, index: UInt64(roc) << 16 | seq)
        let out = Array(packet[..<headerLength]) + aesCTR(key: keys.cipher, iv: iv, Array(packet[headerLength...]))
        let tag = HMAC.sha1(key: keys.auth, message: out + bytes32(roc))
        return out + tag[..<10]
    }

    /// RFC 3711 §3.4: encrypt after the 8-byte header, append E=1 | index, then the 80-bit tag over all.
    static func protectRTCP(cm keys: Keys, _ packet: [UInt8], index: UInt32) -> [UInt8] {
        let iv = cmIV(salt: keys.salt, ssrc: be32(packet, 4), index: UInt64(index))
        let out = Array(packet[..<8]) + aesCTR(key: keys.cipher, iv: iv, Array(packet[8...]))
            + bytes32(0x8000_0000 | index)
        return out + HMAC.sha1(key: keys.auth, message: out)[..<10]
    }

    // MARK: AEAD_AES_128_GCM (RFC 7714)

    /// RFC 7714 §8.1: IV = (00 00 | SSRC | ROC | SEQ) XOR salt; AAD the header; tag after the ciphertext.
    static func protectRTP(gcm keys: Keys, _ packet: [UInt8], roc: UInt32 = 0, headerLength: Int = 12) -> [UInt8] {
        let iv = xor([0, 0] + Array(packet[8..<12]) + bytes32(roc) + Array(packet[2..<4]), keys.salt)
        let header = Array(packet[..<headerLength])
        return header + aesGCM(key: keys.cipher, iv: iv, aad: header, Array(packet[headerLength...]))
    }

    /// RFC 7714 §9.1: IV = (00 00 | SSRC | 00 00 | 0 | index) XOR salt; AAD header | E | index;
    /// the packet ends ciphertext | tag | E | index.
    static func protectRTCP(gcm keys: Keys, _ packet: [UInt8], index: UInt32) -> [UInt8] {
        let iv = xor([0, 0] + Array(packet[4..<8]) + [0, 0] + bytes32(index), keys.salt)
        let header = Array(packet[..<8]), trailer = bytes32(0x8000_0000 | index)
        return header + aesGCM(key: keys.cipher, iv: iv, aad: header + trailer, Array(packet[8...])) + trailer
    }

    // MARK: OpenSSL primitives

    static func aesCTR(key: [UInt8], iv: [UInt8], _ input: [UInt8]) -> [UInt8] {
        let ctx = EVP_CIPHER_CTX_new()!
        defer { EVP_CIPHER_CTX_free(ctx) }
        let cipher = key.count == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr()
        precondition(EVP_EncryptInit_ex(ctx, cipher, nil, key, iv) == 1)
        var out = [UInt8](repeating: 0, count: input.count + 16)
        var n: Int32 = 0
        precondition(EVP_EncryptUpdate(ctx, &out, &n, input, Int32(input.count)) == 1)
        return Array(out[..<Int(n)])
    }

    /// Ciphertext followed by the 16-byte tag.
    static func aesGCM(key: [UInt8], iv: [UInt8], aad: [UInt8], _ input: [UInt8]) -> [UInt8] {
        let ctx = EVP_CIPHER_CTX_new()!
        defer { EVP_CIPHER_CTX_free(ctx) }
        let cipher = key.count == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm()
        precondition(EVP_EncryptInit_ex(ctx, cipher, nil, key, iv) == 1)  // 12-byte IV is GCM's default
        var n: Int32 = 0
        precondition(EVP_EncryptUpdate(ctx, nil, &n, aad, Int32(aad.count)) == 1)
        var out = [UInt8](repeating: 0, count: input.count + 16)
        precondition(EVP_EncryptUpdate(ctx, &out, &n, input, Int32(input.count)) == 1)
        var tail: Int32 = 0
        let final = out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + Int(n), &tail) }
        precondition(final == 1)
        var tag = [UInt8](repeating: 0, count: 16)
        precondition(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1)
        return Array(out[..<Int(n + tail)]) + tag
    }

    static func be32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    static func bytes32(_ v: UInt32) -> [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) }
    }

    static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { zip(a, b).map { $0 ^ $1 } }
}

extension Array where Element == UInt8 {
    /// Bytes from hex digits, spaces and newlines ignored (RFC vectors are printed in groups).
    init(srpHex: String) {
        let digits = srpHex.filter { !$0.isWhitespace }.map { UInt8(String($0), radix: 16)! }
        self = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}
