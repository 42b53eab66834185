/// `RTCDataChannelState` (W3C webrtc §6.2).
public enum DataChannelState: String, Equatable, Sendable {
    case connecting
    case open
    case closing
    case closed

    /// Pure transition check: states only move forward (connecting → open → closing → closed),
    /// and any state may close.
    static func canMove(from: DataChannelState, to: DataChannelState) -> Bool {
        switch (from, to) {
        case (.connecting, .open), (.connecting, .closing), (.open, .closing): return true
        case (.connecting, .closed), (.open, .closed), (.closing, .closed): return true
        default: return false
        }
    }
}
