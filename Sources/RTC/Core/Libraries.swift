import COpenSSL
import CSRTP
import CUsrsctp

/// Versions of the C libraries the stack runs on, for `rtc --version` and the link test.
public enum Libraries {
    public static var openSSLVersion: String {
        String(cString: OpenSSL_version(OPENSSL_VERSION))
    }

    public static var srtpVersion: String {
        String(cString: srtp_get_version_string())
    }

    /// Initializes libsrtp; true on success. Idempotent.
    public static func initSRTP() -> Bool {
        srtp_init() == srtp_err_status_ok
    }

    /// Opens and closes one usrsctp AF_CONN socket in a throwaway init; proves the library answers.
    /// Must not be called while the stack's own usrsctp instance is running.
    public static func probeUsrsctp() -> Bool {
        // AF_CONN is only available when a conn_output callback is given.
        usrsctp_init_nothreads(0, { _, _, _, _, _ in 0 }, nil)
        defer { _ = usrsctp_finish() }
        guard let sock = usrsctp_socket(AF_CONN, Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_SCTP), nil, nil, 0, nil)
        else { return false }
        usrsctp_close(sock)
        return true
    }
}
