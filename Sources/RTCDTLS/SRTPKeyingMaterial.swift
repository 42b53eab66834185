/// DTLS-SRTP protection profiles offered in the `use_srtp` extension (RFC 5764 §4.1.2, RFC 7714 §14.2).
package enum SRTPProtectionProfile: UInt16, CaseIterable, Sendable {
    case aes128CmHmacSha1_80 = 0x0001
    case aes128CmHmacSha1_32 = 0x0002
    case aeadAes128Gcm = 0x0007
    case aeadAes256Gcm = 0x0008

    /// OpenSSL's name for `SSL_CTX_set_tlsext_use_srtp`.
    package var openSSLName: String {
        switch self {
        case .aes128CmHmacSha1_80: return "SRTP_AES128_CM_SHA1_80"
        case .aes128CmHmacSha1_32: return "SRTP_AES128_CM_SHA1_32"
        case .aeadAes128Gcm: return "SRTP_AEAD_AES_128_GCM"
        case .aeadAes256Gcm: return "SRTP_AEAD_AES_256_GCM"
        }
    }

    /// Master key length in bytes.
    package var keyLength: Int {
        switch self {
        case .aes128CmHmacSha1_80, .aes128CmHmacSha1_32, .aeadAes128Gcm: return 16
        case .aeadAes256Gcm: return 32
        }
    }

    /// Master salt length in bytes: 14 for AES-CM (RFC 3711 §8.2), 12 for AEAD (RFC 7714 §12).
    package var saltLength: Int {
        switch self {
        case .aes128CmHmacSha1_80, .aes128CmHmacSha1_32: return 14
        case .aeadAes128Gcm, .aeadAes256Gcm: return 12
        }
    }
}

/// SRTP master keys and salts exported from a finished DTLS handshake (RFC 5764 §4.2).
///
/// The exporter output with label "EXTRACTOR-dtls_srtp" is laid out as
/// `client_key | server_key | client_salt | server_salt`; "local" is the half this end uses to
/// protect what it sends, "remote" the half that unprotects what the peer sends.
package struct SRTPKeyingMaterial: Equatable, Sendable {
    package let profile: SRTPProtectionProfile
    let localKey: [UInt8]
    let localSalt: [UInt8]
    let remoteKey: [UInt8]
    let remoteSalt: [UInt8]

    /// Key followed by salt, the form libsrtp takes as a master key.
    package var localMasterKey: [UInt8] { localKey + localSalt }
    package var remoteMasterKey: [UInt8] { remoteKey + remoteSalt }

    /// Splits exporter output by role; nil when `material` is not `2 * (key + salt)` bytes.
    init?(profile: SRTPProtectionProfile, exported material: [UInt8], isClient: Bool) {
        let k = profile.keyLength, s = profile.saltLength
        guard material.count == 2 * (k + s) else { return nil }
        let clientKey = Array(material[0..<k])
        let serverKey = Array(material[k..<2 * k])
        let clientSalt = Array(material[2 * k..<2 * k + s])
        let serverSalt = Array(material[2 * k + s..<2 * (k + s)])
        self.profile = profile
        localKey = isClient ? clientKey : serverKey
        localSalt = isClient ? clientSalt : serverSalt
        remoteKey = isClient ? serverKey : clientKey
        remoteSalt = isClient ? serverSalt : clientSalt
    }
}
