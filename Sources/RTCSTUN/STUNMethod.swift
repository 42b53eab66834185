/// A STUN method: the 12 M bits of the message type (RFC 8489 §5, §18.2; TURN methods RFC 8656 §17).
///
/// Any 12-bit value decodes; the known ones have names.
public struct STUNMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 12-bit method number (0x000...0xFFF).
    public let rawValue: UInt16

    /// Keeps the low 12 bits of `rawValue`.
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    /// Binding (RFC 8489 §18.2).
    public static let binding = STUNMethod(rawValue: 0x001)
    /// Allocate (RFC 8656 §17).
    public static let allocate = STUNMethod(rawValue: 0x003)
    /// Refresh (RFC 8656 §17).
    public static let refresh = STUNMethod(rawValue: 0x004)
    /// Send, indication only (RFC 8656 §17).
    public static let send = STUNMethod(rawValue: 0x006)
    /// Data, indication only (RFC 8656 §17).
    public static let data = STUNMethod(rawValue: 0x007)
    /// CreatePermission (RFC 8656 §17).
    public static let createPermission = STUNMethod(rawValue: 0x008)
    /// ChannelBind (RFC 8656 §17).
    public static let channelBind = STUNMethod(rawValue: 0x009)

    public var description: String {
        switch self {
        case .binding: return "Binding"
        case .allocate: return "Allocate"
        case .refresh: return "Refresh"
        case .send: return "Send"
        case .data: return "Data"
        case .createPermission: return "CreatePermission"
        case .channelBind: return "ChannelBind"
        default: return "Method(0x\(String(rawValue, radix: 16)))"
        }
    }
}
