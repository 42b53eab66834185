import RTCDTLS
import CSRTP

/// A libsrtp status code (`srtp_err_status_t`), named for messages.
struct SRTPStatus: Equatable, Sendable, CustomStringConvertible {
    let rawValue: UInt32

    init(_ status: srtp_err_status_t) { rawValue = status.rawValue }

    var description: String {
        switch srtp_err_status_t(rawValue) {
        case srtp_err_status_fail: return "failure"
        case srtp_err_status_bad_param: return "bad parameter"
        case srtp_err_status_alloc_fail: return "allocation failure"
        case srtp_err_status_init_fail: return "initialization failure"
        case srtp_err_status_auth_fail: return "authentication failure"
        case srtp_err_status_cipher_fail: return "cipher failure"
        case srtp_err_status_replay_fail, srtp_err_status_replay_old: return "replay"
        case srtp_err_status_algo_fail: return "algorithm self-test failure"
        case srtp_err_status_no_ctx: return "no context"
        case srtp_err_status_key_expired: return "key expired"
        default: return "status \(rawValue)"
        }
    }
}

/// Why an SRTP session could not be set up.
enum SRTPError: Error, Equatable, CustomStringConvertible {
    /// `dlopen("libsrtp2.so.1")` failed or a symbol is missing.
    case libraryUnavailable
    /// `srtp_init` failed.
    case initializationFailed(SRTPStatus)
    /// The master key is not key + salt bytes of the profile.
    case badMasterKeyLength(profile: SRTPProtectionProfile, expected: Int, got: Int)
    /// `srtp_create` refused the policy.
    case createFailed(SRTPStatus)

    var description: String {
        switch self {
        case .libraryUnavailable:
            return "SRTP: libsrtp2 (libsrtp2.so.1) cannot be loaded"
        case let .initializationFailed(status):
            return "SRTP: srtp_init failed: \(status)"
        case let .badMasterKeyLength(profile, expected, got):
            return "SRTP: \(profile.openSSLName) needs a \(expected)-byte master key and salt, got \(got)"
        case let .createFailed(status):
            return "SRTP: srtp_create failed: \(status)"
        }
    }
}
