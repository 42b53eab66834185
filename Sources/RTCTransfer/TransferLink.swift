import RTC
import RTCSignaling

/// An `RTCSignaling` link (stdio, TCP, WebSocket, a served `GatedLink`) as a `TransferPeer`'s
/// signaling.
public final class TransferLink: TransferSignaling {
    /// The link carried.
    public let link: SignalingLink

    public init(_ link: SignalingLink) { self.link = link }

    /// Whether the served link's offer/answer exchange completed (true for a link that was not served).
    public var exchanged: Bool { (link as? GatedLink)?.exchanged ?? true }

    public func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
                      onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        link.start(onMessage: onMessage, onEnd: onEnd)
    }

    public func send(_ message: SignalingMessage) { link.send(message) }
    public func close() { link.close() }
}
