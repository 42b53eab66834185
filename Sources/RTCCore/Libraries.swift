#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// Versions of the C libraries the stack runs on, for `rtc --version` and the link test
/// (usrsctp's probe lives with the SCTP layer, in `SCTPLibrary+Probe.swift`, libsrtp's with the SRTP
/// layer, in `SRTPLibrary+Probe.swift`).
public enum Libraries {
    /// Initializes OpenSSL without its atexit cleanup. Call before any other OpenSSL use (the CLI
    /// does so first thing). The cleanup frees OpenSSL's tables when `exit` runs on the main
    /// thread while the event-loop thread may still be inside a DTLS call; that race crashed
    /// `rtc` at exit (SIGSEGV in `init_thread_deregister`). The OS reclaims the memory anyway.
    public static func initOpenSSL() {
        _ = openSSLInitialized
    }

    private static let openSSLInitialized: Bool = {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1
    }()

    public static var openSSLVersion: String {
        String(cString: OpenSSL_version(OPENSSL_VERSION))
    }
}
