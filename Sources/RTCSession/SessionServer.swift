import RTC
import RTCSignaling

/// Serves a listening `SignalURL` (tcp-listen://, ws-listen://, whip-listen://): peers are
/// served one after another, each a full `PeerSession` that `makeSession` builds for its link,
/// until `stop`, `count` sessions, or the end of the shared input.
///
/// Input is one stream for the whole server (`route`): each piece goes to the session whose
/// setup is done at the time (one that arrives while no session is open waits for the next).
/// The input's end goes to the current (or next) session, which closes its channels once
/// everything queued is delivered, and the server stops after it, since later peers would get
/// nothing. A connection that leaves before the offer/answer exchange is not counted.
// @unchecked Sendable is safe: `current`, `inFlight`, `endTaken` and `stopping` are guarded by
// `condition`; `server` and the callbacks are set before `run` and used on its thread; the link
// queue is thread-safe.
public final class SessionServer: @unchecked Sendable {
    public let url: SignalURL
    public let options: ServeOptions
    /// Sessions to serve (0: until stopped).
    public let count: Int
    private let makeSession: (GatedLink) -> PeerSession
    /// Each counted session's end: its number (from 1) and how it ended. On `run`'s thread.
    public var onSessionEnd: ((Int, SessionError?) -> Void)?
    /// A connection left before the offer/answer exchange (not counted). On `run`'s thread.
    public var onUncounted: (() -> Void)?

    private let queue = LinkQueue()
    private var server: SignalingServer?
    private let condition = Condition()
    private var current: PeerSession?
    /// The session the input thread is handing something to.
    private var inFlight: PeerSession?
    private var endTaken = false
    private var stopping = false

    public init(url: SignalURL, options: ServeOptions, count: Int = 0,
                makeSession: @escaping (GatedLink) -> PeerSession) {
        self.url = url
        self.options = options
        self.count = count
        self.makeSession = makeSession
    }

    /// Binds the listener.
    /// - Returns: the port it is bound to (the system's choice for port 0).
    /// - Throws: `SignalingFailure` when it cannot listen.
    @discardableResult
    public func listen() throws -> UInt16 {
        let queue = self.queue
        let s = try url.serve(options) { link in queue.put(link) }
        server = s
        return s.port
    }

    /// Serves sessions until done (blocking); `listen` first.
    public func run() {
        var served = 0
        while count == 0 || served < count {
            guard let link = queue.take() else { break }
            served += 1
            let session = makeSession(link)
            session.servedLink = link
            condition.withLock {
                current = session
                condition.broadcast()
            }
            let result = session.run()
            link.close()  // whatever ended the session, its connection goes (no descriptor left behind)
            let counted = link.exchanged
            condition.lock()
            current = nil
            condition.broadcast()
            // A piece of input being handed over returns promptly once the session has finished.
            while inFlight === session { condition.wait() }
            let ended = endTaken
            let stop = stopping
            condition.unlock()
            if !counted && !stop {
                // No offer/answer exchange (silence or garbage after our offer): not a session.
                served -= 1
                onUncounted?()
                if ended { break }
                continue
            }
            onSessionEnd?(served, result)
            if ended || stop { break }
        }
        queue.stop()
        server?.close()
    }

    /// Stops serving (any thread): no new session starts; `body` ends the current one.
    public func stop(_ body: (PeerSession) -> Void) {
        queue.stop()
        let session: PeerSession? = condition.withLock {
            stopping = true
            condition.broadcast()
            return current
        }
        if let session { body(session) }
    }

    /// Input thread: hands one piece of input to the current session (`deliver` returns false
    /// when that session ended before taking it, and the next one gets it). `isEnd` marks the
    /// input's end, which stops the server once a session took it.
    public func route(isEnd: Bool, _ deliver: (PeerSession) -> Bool) {
        while true {
            condition.lock()
            while current == nil && !stopping { condition.wait() }
            guard let session = current, !stopping else {
                condition.unlock()
                return
            }
            inFlight = session
            condition.unlock()
            let taken = deliver(session)
            condition.lock()
            inFlight = nil
            if taken && isEnd { endTaken = true }
            condition.broadcast()
            if taken {
                condition.unlock()
                return
            }
            while current === session && !stopping { condition.wait() }
            condition.unlock()
        }
    }
}
