import Foundation
import RTC

/// WebSocket signaling (placeholder until the NIO transport lands).
enum WebSocketSignaling {
    static func connectOne(_ url: SignalURL, peer: PeerOptions) throws -> SignalingLink {
        throw CLIError(.usage, "WebSocket signaling is not available in this build")
    }

    static func serve(_ url: SignalURL, verbose: Bool, body: @escaping @Sendable (SignalingLink) -> Void) throws -> AnyObject {
        throw CLIError(.usage, "WebSocket signaling is not available in this build")
    }
}
