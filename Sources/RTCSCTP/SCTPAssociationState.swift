/// Life cycle of an `SCTPAssociation`.
public enum SCTPAssociationState: Equatable, Sendable {
    /// Created, `start()` not called yet.
    case new
    /// INIT sent, waiting for the handshake (both ends connect at once in WebRTC).
    case connecting
    /// COMM_UP: messages flow.
    case connected
    /// Shut down gracefully (either side) or closed locally.
    case closed
    /// Could not be established, aborted by the peer or lost (retransmissions exhausted).
    case failed

    /// Pure transition check: terminal states stay terminal, everything else may move forward.
    static func canMove(from: SCTPAssociationState, to: SCTPAssociationState) -> Bool {
        switch (from, to) {
        case (.closed, _), (.failed, _): return false
        case (.new, .connecting), (.new, .closed), (.new, .failed): return true
        case (.connecting, .connected), (.connecting, .closed), (.connecting, .failed): return true
        case (.connected, .closed), (.connected, .failed): return true
        default: return false
        }
    }
}
