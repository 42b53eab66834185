/// Settings of one SCTP association over a datagram transport (DTLS in production).
public struct SCTPConfiguration {
    /// Our SCTP port: the local `a=sctp-port` (RFC 8841 §5), 5000 by default.
    public var localPort: UInt16 = 5000
    /// The peer's SCTP port: the remote `a=sctp-port`.
    public var remotePort: UInt16 = 5000
    /// Largest message we send and accept: the peer's `a=max-message-size` (RFC 8841 §6).
    /// Larger sends fail with `SCTPError.messageTooLarge`; nothing is truncated.
    public var maxMessageSize: Int = 262_144
    /// usrsctp socket buffer sizes (SO_SNDBUF / SO_RCVBUF) to start with. 1 MiB keeps a
    /// 4 ms × 250 MB/s path full; on longer paths the association grows both, up to
    /// `maximumBufferSize`.
    public var sendBufferSize: Int = 1 << 20
    public var receiveBufferSize: Int = 1 << 20
    /// Largest size the buffers grow to (250 MB/s over the measured smoothed RTT, plus a quarter
    /// for usrsctp's per-chunk window overhead: 16 MiB covers a 53 ms path at full rate). Our
    /// INIT advertises this window, so the peer's slow start is not capped below it. Set it to
    /// the sizes above to keep them fixed.
    public var maximumBufferSize: Int = 16 << 20
    /// Fixed path MTU (SCTP packet without the common header), PMTUD off: 1200 fits every path
    /// WebRTC runs on once DTLS, UDP and IP headers are added.
    public var pathMTU: UInt32 = 1200
    /// Streams requested each way; data channel ids must stay below the negotiated count.
    public var streams: UInt16 = 1024
    /// Time a graceful `close()` waits for SHUTDOWN to complete before aborting.
    public var shutdownTimeout: Duration = .seconds(5)

    public init() {}
}
