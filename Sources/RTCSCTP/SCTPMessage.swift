/// A whole user message received on an association.
public struct SCTPMessage: Equatable, Sendable {
    public var streamId: UInt16
    /// Payload protocol identifier (host order), e.g. 51 for a WebRTC string (RFC 8831 §8).
    public var ppid: UInt32
    public var payload: [UInt8]
    /// True when it was sent unordered.
    public var unordered: Bool

    public init(streamId: UInt16, ppid: UInt32, payload: [UInt8], unordered: Bool = false) {
        self.streamId = streamId
        self.ppid = ppid
        self.payload = payload
        self.unordered = unordered
    }
}

/// Partial reliability of a sent message (RFC 3758, policies of RFC 7496).
public enum SCTPReliability: Equatable, Sendable {
    /// Retransmitted until acknowledged.
    case reliable
    /// Abandoned after this many retransmissions.
    case maxRetransmits(UInt32)
    /// Abandoned when not acknowledged within this many milliseconds.
    case maxLifetime(milliseconds: UInt32)
}

/// How one message is sent.
public struct SCTPSendOptions: Equatable, Sendable {
    public var ordered: Bool
    public var reliability: SCTPReliability

    public init(ordered: Bool = true, reliability: SCTPReliability = .reliable) {
        self.ordered = ordered
        self.reliability = reliability
    }
}
