#if canImport(Glibc)
import Glibc
#endif
import COpenSSL

/// Versions of the C libraries the stack runs on, for `rtc --version` and the link test
/// (usrsctp's probe lives with the SCTP layer, in `SCTPLibrary+Probe.swift`).
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

    /// libsrtp's version, or nil when libsrtp2 cannot be loaded.
    public static var srtpVersion: String? {
        typealias GetVersionString = @convention(c) () -> UnsafePointer<CChar>?
        return SRTPLibrary.function("srtp_get_version_string", as: GetVersionString.self)?().map { String(cString: $0) }
    }

    /// Initializes libsrtp; true on success. Idempotent.
    public static func initSRTP() -> Bool {
        typealias Initialize = @convention(c) () -> Int32
        return SRTPLibrary.function("srtp_init", as: Initialize.self)?() == 0  // srtp_err_status_ok
    }
}

/// libsrtp2, opened on first use rather than linked: only media needs SRTP, and Debian's build
/// pulls in NSS (five more libraries, about 0.5 MiB resident) that a data-channel process would
/// map for nothing.
enum SRTPLibrary {
    nonisolated(unsafe) private static let handle: UnsafeMutableRawPointer? = dlopen("libsrtp2.so.1", RTLD_NOW | RTLD_LOCAL)

    static func function<F>(_ name: String, as type: F.Type) -> F? {
        guard let handle, let symbol = dlsym(handle, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
}
