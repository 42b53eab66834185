import RTCSRTP

/// How far a connection got on its way to carrying data, layer by layer: what a timeout names.
public enum PeerConnectionSetupPhase: String, Sendable {
    /// No remote description yet (signaling).
    case signaling
    /// ICE connectivity checks have not found a working pair (RFC 8445).
    case ice
    /// The DTLS handshake is not done (RFC 6347).
    case dtls
    /// The SCTP association is not up (RFC 8261).
    case sctp
    /// Every layer is up: channels can open (DCEP, RFC 8832).
    case connected

    /// A short phrase for error lines ("... waiting for the DTLS handshake").
    public var waitingFor: String {
        switch self {
        case .signaling: return "the remote description (signaling)"
        case .ice: return "ICE connectivity checks"
        case .dtls: return "the DTLS handshake"
        case .sctp: return "the SCTP association"
        case .connected: return "the data channel (DCEP)"
        }
    }
}

extension PeerConnection {
    /// The lowest layer that is not up yet (`.connected` once SCTP is).
    public var setupPhase: PeerConnectionSetupPhase {
        guard let dtls else { return .signaling }
        if association?.state == .connected || (association == nil && dtls.state == .connected) { return .connected }
        switch ice.state {
        case .connected, .completed: break
        default: return .ice
        }
        if dtls.state != .connected { return .dtls }
        return .sctp
    }

    /// The largest message `DataChannel.send` takes: the peer's `a=max-message-size`
    /// (RFC 8841 §6: 65,536 when absent, 0 for no limit) capped by our own; nil before the
    /// remote description.
    public var maxMessageSize: Int? { association?.config.maxMessageSize }

    /// SRTP counters of the media sections (dropped packets among them); nil without media.
    public var srtpStatistics: SRTPStatistics? { media?.srtpStatistics }

    /// True once the descriptions settled a data-channel section (false for media-only sessions).
    public var hasDataChannel: Bool { association != nil }

    /// The largest message we send: the peer's `a=max-message-size` (RFC 8841 §6; pass 65,536
    /// when the description has none), where 0 means the peer takes any size, capped by our
    /// own limit.
    static func sendLimit(local: Int, remote: Int) -> Int {
        remote == 0 ? local : min(local, remote)
    }
}
