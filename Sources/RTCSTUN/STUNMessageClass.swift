/// The class of a STUN message: the C1/C0 bits of the message type (RFC 8489 §5).
public enum STUNMessageClass: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11

    /// True for success and error responses.
    public var isResponse: Bool { self == .successResponse || self == .errorResponse }

    public var description: String {
        switch self {
        case .request: return "request"
        case .indication: return "indication"
        case .successResponse: return "success"
        case .errorResponse: return "error"
        }
    }
}
