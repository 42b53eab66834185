import RTCSTUN

/// Errors of the TURN client (RFC 8656).
public enum TURNError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The server answered with an error we do not recover from.
    case errorResponse(method: STUNMethod, code: STUNErrorCode)
    /// No response within the STUN transaction's time (RFC 8489 §6.2.1).
    case timeout(method: STUNMethod)
    /// 401 even with credentials: wrong username or password (RFC 8656 §7.2, RFC 8489 §9.2.4).
    case unauthorized
    /// A success response without the attributes it must carry, or with bad integrity.
    case badResponse(String)
    /// The operation needs an allocation and there is none (yet, or any more).
    case noAllocation
    /// All 4096 channel numbers are in use.
    case channelsExhausted
    /// `close()` ended the client.
    case closed

    public var description: String {
        switch self {
        case let .errorResponse(m, c): return "TURN \(m) failed: \(c)"
        case let .timeout(m): return "TURN \(m): no response from server"
        case .unauthorized: return "TURN server rejected the credentials (401)"
        case let .badResponse(why): return "bad TURN response: \(why)"
        case .noAllocation: return "no TURN allocation"
        case .channelsExhausted: return "no free TURN channel numbers"
        case .closed: return "TURN client closed"
        }
    }
}
