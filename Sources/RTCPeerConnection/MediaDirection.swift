/// The direction of a media section (RFC 8866 §6.7, JSEP RFC 8829 §5.3.1): what this side does
/// with the section's RTP.
public enum MediaDirection: String, Sendable, Codable {
    case sendrecv, sendonly, recvonly, inactive

    public init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    public var sends: Bool { self == .sendrecv || self == .sendonly }
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The same section seen from the peer: what one side sends, the other receives.
    public var reversed: MediaDirection { MediaDirection(sends: receives, receives: sends) }

    /// What both allow: the answer's direction given the offer's (reversed) and our wish
    /// (RFC 3264 §6.1).
    public func intersection(_ other: MediaDirection) -> MediaDirection {
        MediaDirection(sends: sends && other.sends, receives: receives && other.receives)
    }
}
