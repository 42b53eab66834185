import RTCSCTP

/// Errors of the data channel layer.
public enum DataChannelError: Error, Equatable {
    /// A DCEP message could not be decoded; says where.
    case malformedDCEP(String)
    /// `send` while the channel is not open (W3C: InvalidStateError).
    case invalidState(DataChannelState)
    /// The message exceeds the association's maximum message size (W3C: TypeError).
    case messageTooLarge(size: Int, limit: Int)
    /// No free stream id of our parity is left, or a negotiated id is in use / out of range.
    case noStreamAvailable
    case streamInUse(UInt16)
    /// Both maxRetransmits and maxPacketLifeTime were given (W3C: TypeError).
    case conflictingReliability
    /// The label or protocol is longer than 65535 bytes of UTF-8 (RFC 8832 §5.1).
    case labelTooLong
    /// The SCTP layer failed to send.
    case transport(SCTPError)
}
