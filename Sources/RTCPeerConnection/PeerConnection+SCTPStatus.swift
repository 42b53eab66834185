import RTCSCTP

extension PeerConnection {
    /// Chunks usrsctp holds that are neither acknowledged nor abandoned yet (0 before the
    /// association exists). Data handed to a channel is on the wire or delivered once its
    /// `bufferedAmount` and this are 0. Loop thread only.
    public var sctpOutstandingChunks: Int { association?.outstandingChunks ?? 0 }
}
