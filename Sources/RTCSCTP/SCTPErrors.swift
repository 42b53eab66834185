/// Errors of the SCTP layer.
public enum SCTPError: Error, Equatable {
    /// The message is larger than the negotiated maximum message size (RFC 8841 §6).
    case messageTooLarge(size: Int, limit: Int)
    /// Empty messages cannot be sent on SCTP; the data channel layer encodes them (RFC 8831 §6.6).
    case emptyMessage
    /// The association is closed or failed.
    case notConnected
    /// The stream id is beyond the negotiated number of streams.
    case invalidStream(UInt16)
    /// A usrsctp call failed with this errno.
    case usrsctp(call: String, errno: Int32)
}
