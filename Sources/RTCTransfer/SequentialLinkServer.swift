import RTC
import RTCSignaling
import Synchronization

/// Serves peers of a listening signal one after another (what `rtc send` does with
/// tcp-listen:// or ws-listen://): each admitted link waits its turn in a `LinkQueue` and is
/// handed to the session body when the previous session has ended. A link whose offer/answer
/// exchange never completed (silence or garbage) is not a session and does not count.
public final class SequentialLinkServer: Sendable {
    private let queue = LinkQueue()
    /// Set by `listen`, closed by `run`.
    private let server = Mutex<SignalingServer?>(nil)

    public init() {}

    /// Starts listening on `url`; returns the port bound (the system's choice for port 0).
    /// - Throws: `SignalingFailure` when it cannot listen.
    @discardableResult
    public func listen(_ url: SignalURL, options: ServeOptions) throws -> UInt16 {
        let queue = queue
        let s = try url.serve(options) { link in queue.put(link) }
        server.withLock { $0 = s }
        return s.port
    }

    /// Whether `stop()` was called.
    public var isStopped: Bool { queue.isStopped }

    /// Runs `session` for each peer in arrival order until `limit` sessions have been counted
    /// (0: until `stop()`), then closes the listener. Blocks the calling thread.
    /// - Parameters:
    ///   - session: runs one session (blocking) and returns its exit status; its `Int` is the
    ///     session's number (1, 2, ...).
    ///   - uncounted: a peer left before the offer/answer exchange.
    ///   - ended: a counted session ended, with its number and status.
    /// - Returns: the worst (highest) status of the counted sessions, 0 when there were none.
    public func run(limit: Int, session: (GatedLink, Int) -> Int32, uncounted: () -> Void = {},
                    ended: (Int, Int32) -> Void = { _, _ in }) -> Int32 {
        var worst: Int32 = 0
        var served = 0
        while limit == 0 || served < limit {
            guard let link = queue.take() else { break }
            served += 1
            let status = session(link, served)
            if !link.exchanged && !queue.isStopped {
                served -= 1
                uncounted()
                continue
            }
            worst = max(worst, status)
            ended(served, status)
        }
        queue.stop()
        server.withLock { $0 }?.close()
        return worst
    }

    /// Ends `run` (after the session running, if any) and refuses peers still waiting.
    public func stop() { queue.stop() }
}
