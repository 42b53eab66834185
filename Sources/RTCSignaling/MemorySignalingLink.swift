import Dispatch
import RTC

/// Two signaling links wired to each other in one process, for tests and examples: what one
/// sends, the other receives, in order, on a serial queue of its own (never on the sender's
/// thread, so a send from an event loop cannot re-enter it). Messages that arrive before
/// `start` wait. `close` ends both sides (the other sees a clean end).
// @unchecked Sendable is safe: the callbacks, `held` and the flags are used only under `lock`; `peer`
// is set by `pair()` before either link is shared, then only read.
public final class MemorySignalingLink: SignalingLink, @unchecked Sendable {
    private let queue: DispatchQueue
    private let lock = Lock()
    private weak var peer: MemorySignalingLink?
    private var onMessage: (@Sendable (SignalingMessage) -> Void)?
    private var onEnd: (@Sendable (SignalingError?) -> Void)?
    private var held: [SignalingMessage] = []
    private var endHeld = false
    private var ended = false

    private init(name: String) { queue = DispatchQueue(label: "rtc.memory-signaling.\(name)") }

    /// A connected pair.
    public static func pair() -> (MemorySignalingLink, MemorySignalingLink) {
        let a = MemorySignalingLink(name: "a")
        let b = MemorySignalingLink(name: "b")
        a.peer = b
        b.peer = a
        return (a, b)
    }

    public func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
                      onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        queue.async { [self] in
            let (early, end): ([SignalingMessage], Bool) = lock.withLock {
                self.onMessage = onMessage
                self.onEnd = onEnd
                defer { held.removeAll() }
                return (held, endHeld)
            }
            for m in early { onMessage(m) }
            if end { finish() }
        }
    }

    public func send(_ message: SignalingMessage) {
        guard let peer, !lock.withLock({ ended }) else { return }
        peer.queue.async { peer.receive(message) }
    }

    public func close() {
        let first: Bool = lock.withLock {
            defer { ended = true }
            return !ended
        }
        guard first else { return }
        if let peer { peer.queue.async { peer.finish() } }
    }

    /// Own queue.
    private func receive(_ m: SignalingMessage) {
        let handler: (@Sendable (SignalingMessage) -> Void)? = lock.withLock {
            if onMessage == nil { held.append(m) }
            return onMessage
        }
        handler?(m)
    }

    /// Own queue: the other side closed.
    private func finish() {
        let handler: (@Sendable (SignalingError?) -> Void)? = lock.withLock {
            if onEnd == nil {
                endHeld = true
                return nil
            }
            defer { onEnd = nil }
            return onEnd
        }
        handler?(nil)
    }
}
