/// Why a STUN client transaction ended without a response (RFC 8489 §6.2.1).
public enum STUNClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No response after `transmissions` sends and the final wait, or the overall deadline passed.
    case timeout(transmissions: Int)
    /// `cancel` or `cancelAll` ended the transaction (for example on close).
    case cancelled
    /// Responses came, but none verified (bad FINGERPRINT or MESSAGE-INTEGRITY): `count` were
    /// discarded, the last for `reason`.
    case invalidResponses(count: Int, reason: String)

    public var description: String {
        switch self {
        case .timeout(let n): return "no STUN response after \(n) transmission\(n == 1 ? "" : "s")"
        case .cancelled: return "STUN transaction cancelled"
        case .invalidResponses(let n, let reason):
            return "no valid STUN response: \(n) discarded, the last for \(reason)"
        }
    }
}
