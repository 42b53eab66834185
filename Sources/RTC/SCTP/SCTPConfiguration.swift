/// Settings of one SCTP association over a datagram transport (DTLS in production).
public struct SCTPConfiguration {
    /// Our SCTP port: the local `a=sctp-port` (RFC 8841 §5), 5000 by default.
    public var localPort: UInt16 = 5000
    /// The peer's SCTP port: the remote `a=sctp-port`.
    public var remotePort: UInt16 = 5000
    /// Largest message we send and accept: the peer's `a=max-message-size` (RFC 8841 §6).
    /// Larger sends fail with `SCTPError.messageTooLarge`; nothing is truncated.
    public var maxMessageSize: Int = 262_144
    /// usrsctp socket buffer sizes (SO_SNDBUF / SO_RCVBUF). 1 MiB keeps a ~20 ms × 50 MB/s
    /// path full; raise it for paths with a larger bandwidth-delay product.
    public var sendBufferSize: Int = 1 << 20
    public var receiveBufferSize: Int = 1 << 20
    /// Fixed path MTU (SCTP packet without the common header), PMTUD off: 1200 fits every path
    /// WebRTC runs on once DTLS, UDP and IP headers are added.
    public var pathMTU: UInt32 = 1200
    /// Streams requested each way; data channel ids must stay below the negotiated count.
    public var streams: UInt16 = 1024
    /// Time a graceful `close()` waits for SHUTDOWN to complete before aborting.
    public var shutdownTimeout: Duration = .seconds(5)

    public init() {}
}
