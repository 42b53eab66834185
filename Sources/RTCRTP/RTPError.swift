/// Why an RTP or RTCP packet could not be parsed or built; each case says where it failed.
public enum RTPError: Error, Equatable, CustomStringConvertible {
    case truncated(String)
    case badVersion(UInt8)
    case badPadding(UInt8)
    case malformed(String)
    /// An RTCP compound packet (RFC 3550 §6.1) failed at byte `offset`, in the part `why` names.
    case rtcp(offset: Int, String)

    public var description: String {
        switch self {
        case let .truncated(what): return "RTP packet truncated in the \(what)"
        case let .badVersion(v): return "RTP version \(v), expected 2"
        case let .badPadding(n): return "RTP padding of \(n) bytes does not fit the packet"
        case let .malformed(why): return "malformed RTP: \(why)"
        case let .rtcp(offset, why): return "malformed RTCP at byte \(offset): \(why)"
        }
    }
}
