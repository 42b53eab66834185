import RTC

/// What a `PeerSession` reports, in order, on its event loop's thread (`onEvent`) or through
/// `events` (an `AsyncStream`). Events other than `signal` are held until our description is
/// out, so a reader of one stream sees the description first.
public enum SessionEvent: Sendable {
    /// A signaling line for the application to deliver to the peer itself (a session without
    /// a link: our description, or a trickled candidate).
    case signal(String)
    /// The peer connection's state changed.
    case state(PeerConnection.State)
    /// A channel opened (ours or the peer's).
    case open(label: String, id: UInt16)
    /// A channel closed.
    case close(label: String, id: UInt16)
    /// A message arrived on a channel.
    case message(label: String, id: UInt16, DataChannelMessage)
    /// A message could not be sent (no such channel, larger than the peer's limit); the
    /// session goes on.
    case sendError(label: String?, reason: String)
    /// A media section was negotiated and its source and sink started.
    case track(MediaTrackInfo)
    /// The peer asked for a keyframe (PLI/FIR) on a section.
    case keyframeRequest(mid: String, kind: MediaCodec.Kind)
    /// Periodic counters of a section (`SessionConfiguration.statsInterval`).
    case stats(MediaStatsReport)
    /// A line worth telling a user (a section the peer rejected, ICE servers used or skipped).
    case notice(String)
    /// An ICE restart (ours or the peer's) exchanged new credentials; the new path is being checked.
    case iceRestarted(localUfrag: String, remoteUfrag: String)
}

/// A negotiated media section, as `SessionEvent.track` reports it.
public struct MediaTrackInfo: Sendable, Equatable {
    public var mid: String
    public var kind: MediaCodec.Kind
    public var codec: MediaCodec
    public var payloadType: UInt8
    public var ssrc: UInt32
    public var remoteSSRC: UInt32?
    public var direction: MediaDirection
    /// The RTX (RFC 4588) payload type and our RTX SSRC, when rtx was negotiated.
    public var rtxPayloadType: UInt8?
    public var rtxSSRC: UInt32?
}

/// One section's counters with the session's SRTP counters.
public struct MediaStatsReport: Sendable {
    public var mid: String
    public var kind: MediaCodec.Kind
    public var statistics: MediaStatistics
    public var srtp: SRTPStatistics?
}

/// Why a session ended other than cleanly. The `rtc` CLI maps each case to its exit status.
public enum SessionError: Error, CustomStringConvertible, Sendable {
    /// Bad input from the peer or the application (a malformed description or message).
    case badInput(String)
    /// The peer went away or refused before the session was set up.
    case unreachable(String)
    /// A phase did not finish within its timeout (the message names the phase).
    case timeout(String)
    /// The connection or a local resource failed.
    case failure(String)
    /// `interrupt(signal:)` ended a session that had nothing open to close gracefully.
    case interrupted(signal: Int32)
    /// The signaling transport failed (connecting, or an HTTP status).
    case signaling(SignalingFailure)

    public var description: String {
        switch self {
        case let .badInput(m), let .unreachable(m), let .timeout(m), let .failure(m): m
        case let .interrupted(signal): "interrupted by signal \(signal)"
        case let .signaling(f): f.message
        }
    }
}

import RTCSignaling
