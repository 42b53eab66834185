/// A message received on a data channel.
public enum DataChannelMessage: Equatable, Sendable {
    case text(String)
    case binary([UInt8])
}

/// Payload protocol identifiers of WebRTC data channels (RFC 8831 §8, RFC 8832 §8.1).
enum DataChannelPPID {
    static let dcep: UInt32 = 50
    static let string: UInt32 = 51
    static let binary: UInt32 = 53
    static let stringEmpty: UInt32 = 56
    static let binaryEmpty: UInt32 = 57
    /// Deprecated partial PPIDs (RFC 8831 §8): 52 string partial, 54 binary partial.
    static let stringPartial: UInt32 = 52
    static let binaryPartial: UInt32 = 54
}
