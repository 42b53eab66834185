/// The kind of a session description (the browser's `RTCSdpType`).
public enum SDPType: String, Sendable, Codable { case offer, answer, pranswer, rollback }

/// The browser's `RTCSessionDescriptionInit`.
public struct SessionDescriptionInit: Equatable, Sendable {
    public var type: SDPType
    public var sdp: String
    public init(type: SDPType, sdp: String) {
        self.type = type
        self.sdp = sdp
    }
}
