import RTCCore
#if canImport(Glibc)
import Glibc
#endif
import CSRTP

/// libsrtp2, opened on first use rather than linked: only media needs SRTP, and Debian's build
/// pulls in NSS (five more libraries, about 0.5 MiB resident) that a data-channel process would
/// map for nothing. The function types come from `srtp.h` (the CSRTP shim), so a signature that
/// differs from the header's does not compile.
struct SRTPLibrary {
    let versionString: rtc_srtp_get_version_string_fn
    let initialize: rtc_srtp_init_fn
    let create: rtc_srtp_create_fn
    let dealloc: rtc_srtp_dealloc_fn
    let protect: rtc_srtp_protect_fn
    let unprotect: rtc_srtp_unprotect_fn
    let protectRTCP: rtc_srtp_protect_rtcp_fn
    let unprotectRTCP: rtc_srtp_unprotect_rtcp_fn
    let setAESCM128HMACSHA1_80: rtc_srtp_crypto_policy_set_fn
    let setAESCM128HMACSHA1_32: rtc_srtp_crypto_policy_set_fn
    let setAESGCM128: rtc_srtp_crypto_policy_set_fn
    let setAESGCM256: rtc_srtp_crypto_policy_set_fn
    let replaceCipherType: rtc_srtp_replace_cipher_type_fn
    let replaceAuthType: rtc_srtp_replace_auth_type_fn
    /// The transforms running on OpenSSL once initialized: all three unless libsrtp refused one
    /// (its known-answer test failed), which then stays on NSS, slower but correct.
    private(set) var openSSLTransforms: [String] = []

    /// The loaded library, or nil when libsrtp2 (or one of its symbols) is missing.
    static let shared: SRTPLibrary? = {
        guard let handle = dlopen("libsrtp2.so.1", RTLD_NOW | RTLD_LOCAL) else { return nil }
        func symbol<F>(_ name: String, _: F.Type = F.self) -> F? {
            guard let address = dlsym(handle, name) else { return nil }
            return unsafeBitCast(address, to: F.self)
        }
        // srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro for ..._rtp_default.
        guard let versionString: rtc_srtp_get_version_string_fn = symbol("srtp_get_version_string"),
              let initialize: rtc_srtp_init_fn = symbol("srtp_init"),
              let create: rtc_srtp_create_fn = symbol("srtp_create"),
              let dealloc: rtc_srtp_dealloc_fn = symbol("srtp_dealloc"),
              let protect: rtc_srtp_protect_fn = symbol("srtp_protect"),
              let unprotect: rtc_srtp_unprotect_fn = symbol("srtp_unprotect"),
              let protectRTCP: rtc_srtp_protect_rtcp_fn = symbol("srtp_protect_rtcp"),
              let unprotectRTCP: rtc_srtp_unprotect_rtcp_fn = symbol("srtp_unprotect_rtcp"),
              let cm80: rtc_srtp_crypto_policy_set_fn = symbol("srtp_crypto_policy_set_rtp_default"),
              let cm32: rtc_srtp_crypto_policy_set_fn = symbol("srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32"),
              let gcm128: rtc_srtp_crypto_policy_set_fn = symbol("srtp_crypto_policy_set_aes_gcm_128_16_auth"),
              let gcm256: rtc_srtp_crypto_policy_set_fn = symbol("srtp_crypto_policy_set_aes_gcm_256_16_auth"),
              let replaceCipher: rtc_srtp_replace_cipher_type_fn = symbol("srtp_replace_cipher_type"),
              let replaceAuth: rtc_srtp_replace_auth_type_fn = symbol("srtp_replace_auth_type")
        else { return nil }
        return SRTPLibrary(
            versionString: versionString, initialize: initialize, create: create, dealloc: dealloc,
            protect: protect, unprotect: unprotect, protectRTCP: protectRTCP, unprotectRTCP: unprotectRTCP,
            setAESCM128HMACSHA1_80: cm80, setAESCM128HMACSHA1_32: cm32, setAESGCM128: gcm128, setAESGCM256: gcm256,
            replaceCipherType: replaceCipher, replaceAuthType: replaceAuth)
    }()

    /// libsrtp's version string ("libsrtp2 2.5.0"), or nil when the library cannot be loaded.
    static var version: String? {
        shared.flatMap { $0.versionString() }.map { String(cString: $0) }
    }

    /// `srtp_init` once per process (a Swift global initializer runs exactly once, thread-safely),
    /// then our OpenSSL transforms in place of the NSS ones; the library when it loaded and initialized.
    static let initialized: Result<SRTPLibrary, SRTPError> = {
        guard let library = shared else { return .failure(.libraryUnavailable) }
        Libraries.initOpenSSL()  // our transforms use libcrypto: no atexit cleanup racing the loop thread
        let status = library.initialize()
        guard status == srtp_err_status_ok else { return .failure(.initializationFailed(SRTPStatus(status))) }
        var ready = library
        ready.openSSLTransforms = library.installOpenSSLTransforms()
        return .success(ready)
    }()

    /// Hands libsrtp's crypto kernel our AES-ICM-128 (AES-CM and the key derivation), AES-GCM-128
    /// and HMAC-SHA1; libsrtp tests each against its own and our known answers before taking it.
    private func installOpenSSLTransforms() -> [String] {
        var installed: [String] = []
        if replaceCipherType(rtc_srtp_openssl_aes_icm_128(), UInt32(SRTP_AES_ICM_128))
            == srtp_err_status_ok { installed.append("AES-ICM-128") }
        if replaceCipherType(rtc_srtp_openssl_aes_gcm_128(), UInt32(SRTP_AES_GCM_128))
            == srtp_err_status_ok { installed.append("AES-GCM-128") }
        if replaceAuthType(rtc_srtp_openssl_hmac_sha1(), UInt32(SRTP_HMAC_SHA1))
            == srtp_err_status_ok { installed.append("HMAC-SHA1") }
        return installed
    }

    /// Bytes `srtp_protect`/`srtp_protect_rtcp` may append to a packet (tag, SRTCP index, MKI).
    static let maxTrailerLength = Int(rtc_srtp_max_trailer_len())
}
