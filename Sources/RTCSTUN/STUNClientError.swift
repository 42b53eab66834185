/// Why a STUN client transaction ended without a response (RFC 8489 §6.2.1).
public enum STUNClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No response after `transmissions` sends and the final wait, or the overall deadline passed.
    case timeout(transmissions: Int)
    /// `cancel` or `cancelAll` ended the transaction (for example on close).
    case cancelled
    /// The request could not be encoded (a value, such as a server's NONCE, too long; RFC 8489 §14).
    case cannotEncode(String)
    /// Responses came, but none verified (bad FINGERPRINT or MESSAGE-INTEGRITY): `count` were
    /// discarded, the last for `reason`.
    case invalidResponses(count: Int, reason: String)

    public var description: String {
        switch self {
        case .timeout(let n): return "no STUN response after \(n) transmission\(n == 1 ? "" : "s")"
        case .cancelled: return "STUN transaction cancelled"
        case .cannotEncode(let why): return "STUN request not sent: \(why)"
        case .invalidResponses(let n, let reason):
            return "no valid STUN response: \(n) discarded, the last for \(reason)"
        }
    }
}
