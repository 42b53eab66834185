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

    /// Opens and closes one usrsctp AF_CONN socket on the process-wide usrsctp instance (the one
    /// the SCTP layer uses, initialised on first use); proves the library answers. Safe while
    /// associations are running: it never initialises or finishes usrsctp itself.
    public static func probeUsrsctp() -> Bool {
        SCTPLibrary.ensureInitialized()
        guard let sock = usrsctp_socket(AF_CONN, Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_SCTP), nil, nil, 0, nil)
        else { return false }
        usrsctp_close(sock)
        return true
    }
}
