import RTCCore
#if canImport(Glibc)
import Glibc
#endif
import CUsrsctp

extension Libraries {
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
