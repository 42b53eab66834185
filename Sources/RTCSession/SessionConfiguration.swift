import RTC
import RTCSignaling

/// Everything a `PeerSession` needs: the peer connection's configuration, the role, how
/// signaling runs, the channels and media sections to open, and the timeouts.
public struct SessionConfiguration {
    /// Which description we send first: the offerer opens the conversation, the answerer replies.
    public enum Role: Sendable { case offer, answer }

    public var role: Role
    public var peerConnection: PeerConnection.Configuration
    /// Where signaling runs. `.stdio` means the application carries it: our description comes
    /// as a `SessionEvent.signal` line and the peer's is handed to `input(line:)` (or read
    /// from `remoteFile`).
    public var signal: SignalURL
    /// How `signal` is connected (timeouts, token, cancellation, log).
    public var connect: ConnectOptions
    /// Channels this side opens once the remote description is applied (the offerer's main
    /// channel, negotiated channels, any extra ones). Their opening ends setup.
    public var channels: [ChannelSpec]
    /// Media sections to add, with where their media comes from and goes.
    public var media: [MediaSection]
    /// With `media` udp:// outputs: write an SDP file that ffplay or VLC opens to play them.
    public var sdpOut: String?
    /// Restart file sources at their beginning when they end.
    public var loopFiles: Bool
    /// Seconds between `SessionEvent.stats` per section (0: never).
    public var statsInterval: Double
    /// Candidates go out one by one as they are found instead of inside the description.
    public var trickle: Bool
    /// Seconds for the whole way to an open channel (signaling, ICE, DTLS, SCTP, DCEP);
    /// past it the session ends with `SessionError.timeout` naming the phase.
    public var connectTimeout: Double
    /// Read the peer's description from this file (a fifo works) instead of signaling.
    public var remoteFile: String?
    /// Our description as a `CompactToken` (signal lines only).
    public var compact: Bool
    /// Bytes allowed in flight between the application's sends and the wire before a send waits.
    public var highWater: Int
    /// Report the ICE servers a WHIP endpoint offered, used or skipped, as notices.
    public var verbose: Bool

    public init(role: Role, peerConnection: PeerConnection.Configuration = PeerConnection.Configuration(),
                signal: SignalURL = .stdio, connect: ConnectOptions = ConnectOptions(), channels: [ChannelSpec] = [],
                media: [MediaSection] = [], sdpOut: String? = nil, loopFiles: Bool = false, statsInterval: Double = 0,
                trickle: Bool = false, connectTimeout: Double = 30, remoteFile: String? = nil, compact: Bool = false,
                highWater: Int = 4 << 20, verbose: Bool = false) {
        self.role = role
        self.peerConnection = peerConnection
        self.signal = signal
        self.connect = connect
        self.channels = channels
        self.media = media
        self.sdpOut = sdpOut
        self.loopFiles = loopFiles
        self.statsInterval = statsInterval
        self.trickle = trickle
        self.connectTimeout = connectTimeout
        self.remoteFile = remoteFile
        self.compact = compact
        self.highWater = highWater
        self.verbose = verbose
    }
}

/// One media section of a session: what to negotiate, and the source and sink of its media
/// (`udp://HOST:PORT` RTP or a file), either of which may be absent.
public struct MediaSection: Sendable {
    public var request: MediaTransceiverInit
    public var input: MediaURL?
    public var output: MediaURL?

    public init(request: MediaTransceiverInit, input: MediaURL? = nil, output: MediaURL? = nil) {
        self.request = request
        self.input = input
        self.output = output
    }
}
