import RTCMedia

/// What a caller asks of one media section before negotiation (`RTCRtpTransceiverInit`): the
/// codec and whether we send, receive, or both. `PeerConnection.addTransceiver` takes it.
public struct MediaTransceiverInit: Sendable {
    public var codec: MediaCodec
    public var direction: MediaDirection

    public init(codec: MediaCodec, direction: MediaDirection) {
        self.codec = codec
        self.direction = direction
    }
}
