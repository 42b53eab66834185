#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import NIOCore
import NIOPosix
import RTC

/// How a listening `SignalURL` admits peers.
public struct ServeOptions: Sendable {
    /// The description type the peer sends: `.offer` when we answer, `.answer` when we offer.
    public var expecting: SDPType
    /// Seconds a connection may take, from accept, to send its first valid description (when
    /// we answer) or to answer ours (when we offer); also bounds ws-listen's HTTP headers and
    /// upgrade.
    public var signalTimeout: Double
    /// Connections still in their handshake at once; beyond it the oldest is dropped.
    public var maxPending: Int
    /// Log accepted, dropped and served connections to `log`.
    public var verbose: Bool
    /// whip-listen/whep-listen: the bearer token every request must carry.
    public var token: String?
    /// whip-listen/whep-listen: the STUN/TURN servers offered to clients as `Link` headers
    /// (RFC 9725 §4.6) on the 201 and on the endpoint's OPTIONS (with `token`, only to an
    /// OPTIONS that carries it: a TURN credential is not for anyone's preflight).
    public var iceServers: [ICEServerLink] = []
    /// ws-listen: the HTML page served at `/` to plain HTTP requests (404 when nil).
    public var page: String?
    /// Where verbose lines go, and (verbose or not) the `listening on URL` line once bound.
    public var log: @Sendable (String) -> Void
    /// Where WebSocket and WHIP servers run, asked for only when one is made; NIO's shared
    /// group when nil.
    public var eventLoopGroup: (@Sendable () -> EventLoopGroup)?
    /// Counts WebSocket closes still flushing, if given.
    public var closing: PendingCount?

    public init(expecting: SDPType, signalTimeout: Double = 10, maxPending: Int = HandshakeGate.defaultMaxPending,
                verbose: Bool = false, token: String? = nil, page: String? = nil,
                log: @escaping @Sendable (String) -> Void = { writeToStandardError($0 + "\n") },
                eventLoopGroup: (@Sendable () -> EventLoopGroup)? = nil, closing: PendingCount? = nil) {
        self.expecting = expecting
        self.signalTimeout = signalTimeout
        self.maxPending = maxPending
        self.verbose = verbose
        self.token = token
        self.page = page
        self.log = log
        self.eventLoopGroup = eventLoopGroup
        self.closing = closing
    }

    var group: EventLoopGroup { eventLoopGroup?() ?? MultiThreadedEventLoopGroup.singleton }
}

/// Connections that have not yet proved they speak signaling: each gets `timeout` seconds
/// from accept, and at most `maxPending` wait at once (a newcomer evicts the oldest, which
/// by then has had the longest to speak). Every wait runs concurrently, so a silent or
/// garbage peer never delays the next. Any thread.
// @unchecked Sendable is safe: `next`, `entries` and `dropped` are used only under `lock`.
public final class HandshakeGate: @unchecked Sendable {
    /// Default cap on connections in their handshake (documented in `--signal-timeout`'s help).
    public static let defaultMaxPending = 64

    public let timeout: Double
    public let maxPending: Int
    let verbose: Bool
    let log: @Sendable (String) -> Void
    private let lock = Lock()
    private var next: UInt64 = 0
    /// Arrival order; the value drops the connection.
    private var entries: [(token: UInt64, drop: @Sendable (String) -> Void)] = []
    /// Connections dropped so far (for the verbose log).
    public private(set) var dropped = 0

    public init(timeout: Double, maxPending: Int, verbose: Bool,
                log: @escaping @Sendable (String) -> Void = { writeToStandardError($0 + "\n") }) {
        self.timeout = timeout
        self.maxPending = max(1, maxPending)
        self.verbose = verbose
        self.log = log
    }

    /// Starts the clock on a new connection; `drop` closes it (with the reason) when it runs
    /// out of time or is evicted. Returns the token for `leave`.
    /// - Parameter deadline: when the connection's time is up; default `timeout` from now (a
    ///   WebSocket keeps the clock it started at accept).
    func enter(deadline: Deadline? = nil, drop: @escaping @Sendable (String) -> Void) -> UInt64 {
        lock.lock()
        next += 1
        let token = next
        var evicted: (token: UInt64, drop: @Sendable (String) -> Void)?
        if entries.count >= maxPending { evicted = entries.removeFirst() }
        entries.append((token, drop))
        lock.unlock()
        if let evicted { dropNow(evicted.drop, "evicted: \(maxPending) connections were already in their handshake") }
        let left = deadline?.secondsLeft ?? timeout
        DispatchQueue.global().asyncAfter(deadline: .now() + left) { [self] in
            if let d = take(token) { dropNow(d, "no valid signaling within \(timeout) s") }
        }
        return token
    }

    /// The connection spoke (or closed): its clock stops.
    func leave(_ token: UInt64) { _ = take(token) }

    /// Drops the connection now (garbage, or it went away).
    func drop(_ token: UInt64, _ reason: String) {
        if let d = take(token) { dropNow(d, reason) }
    }

    private func take(_ token: UInt64) -> (@Sendable (String) -> Void)? {
        lock.lock()
        defer { lock.unlock() }
        guard let i = entries.firstIndex(where: { $0.token == token }) else { return nil }
        return entries.remove(at: i).drop
    }

    private func dropNow(_ d: @Sendable (String) -> Void, _ reason: String) {
        lock.lock()
        dropped += 1
        lock.unlock()
        if verbose { log("dropped a signaling connection before the offer/answer exchange: \(reason)") }
        d(reason)
    }
}

/// A served peer's link, watched until the offer/answer exchange.
///
/// Reading starts at accept: messages are held until a session `start`s the link. When we
/// answer, the link is handed to the server only once the peer's offer has arrived; garbage, a
/// wrong description, `bye` or silence until the gate's timeout drop it first, so it never
/// takes a session slot. When we offer, the peer speaks only after our offer, so the link is
/// handed over at once and `exchanged` tells the server whether the session got an answer:
/// if none arrives within the timeout after our offer is sent, the link ends.
// @unchecked Sendable is safe: every mutable property (the flags, `held`, the callbacks,
// `onDeadBeforeStart`'s hook) is used only under `lock`.
public final class GatedLink: SignalingLink, @unchecked Sendable {
    public let inner: SignalingLink
    public let options: ServeOptions
    private let gate: HandshakeGate
    private let lock = Lock()
    private var token: UInt64?
    private var admitted = false
    private var started = false
    private var dead = false
    private var exchangedFlag = false
    private var held: [SignalingMessage] = []
    private var heldEnd: SignalingError??
    private var onMessage: (@Sendable (SignalingMessage) -> Void)?
    private var onEnd: (@Sendable (SignalingError?) -> Void)?
    private var endReported = false
    private var admit: (@Sendable (GatedLink) -> Void)?
    /// Called when a link handed to the server dies before a session started it. Any thread.
    public var onDeadBeforeStart: (@Sendable (GatedLink) -> Void)? {
        get { lock.withLock { deadBeforeStart } }
        set { lock.withLock { deadBeforeStart = newValue } }
    }
    private var deadBeforeStart: (@Sendable (GatedLink) -> Void)?

    /// When the handshake's time is up (nil: the gate's timeout from `open`).
    private let deadline: Deadline?

    /// Wraps `inner` and starts reading it; `admit` gets the link once it may take a slot.
    public init(_ inner: SignalingLink, gate: HandshakeGate, options: ServeOptions, deadline: Deadline? = nil,
         admit: @escaping @Sendable (GatedLink) -> Void) {
        self.inner = inner
        self.deadline = deadline
        self.gate = gate
        self.options = options
        self.admit = admit
    }

    /// Begins watching (call once, right after init).
    public func open() {
        if options.expecting == .offer {
            let t = gate.enter(deadline: deadline) { [weak self] _ in self?.kill() }
            lock.lock()
            token = t
            lock.unlock()
        } else {
            handOver()
        }
        inner.start(onMessage: { [self] m in received(m) }, onEnd: { [self] e in ended(e) })
    }

    /// The peer sent the description we expect (our session may count it).
    public var exchanged: Bool {
        lock.lock()
        defer { lock.unlock() }
        return exchangedFlag
    }

    /// Ended (dropped, closed or bad) before a session started it.
    public var isDead: Bool {
        lock.lock()
        defer { lock.unlock() }
        return dead && !started
    }

    private func handOver() {
        lock.lock()
        guard !admitted, !dead, let a = admit else {
            lock.unlock()
            return
        }
        admitted = true
        admit = nil
        let t = token
        token = nil
        lock.unlock()
        if let t { gate.leave(t) }
        a(self)
    }

    /// Inner link's thread.
    private func received(_ m: SignalingMessage) {
        lock.lock()
        if dead {
            lock.unlock()
            return
        }
        var wrong: String?
        if case let .description(d) = m {
            if d.type == options.expecting && !exchangedFlag {
                exchangedFlag = true
            } else if !exchangedFlag {
                wrong = "expected an \(options.expecting.rawValue), got an \(d.type.rawValue)"
            }
        }
        if case .bye = m, !started { wrong = "bye before the offer/answer exchange" }
        if let wrong, !started {
            lock.unlock()
            refuse(wrong)
            return
        }
        guard started, let handler = onMessage else {
            held.append(m)
            let ready = exchangedFlag && !admitted
            lock.unlock()
            if ready { handOver() }
            return
        }
        lock.unlock()
        handler(m)
    }

    /// Inner link's thread: it ended (EOF, error, or our own close).
    private func ended(_ e: SignalingError?) {
        lock.lock()
        guard started, let handler = onEnd else {
            if heldEnd == nil { heldEnd = .some(e) }
            lock.unlock()
            refuse(e.map { "\($0)" } ?? "closed by the peer")
            return
        }
        guard !endReported else {
            lock.unlock()
            return
        }
        endReported = true
        lock.unlock()
        handler(e)
    }

    /// Drops a link no session has started: closed, out of the gate, off the server's queue.
    private func refuse(_ reason: String) {
        lock.lock()
        if started || dead {
            lock.unlock()
            return
        }
        dead = true
        let t = token
        token = nil
        let wasAdmitted = admitted
        lock.unlock()
        if let t { gate.drop(t, reason) }
        inner.close()
        if wasAdmitted { onDeadBeforeStart?(self) }
    }

    /// The gate's verdict (timeout or eviction).
    private func kill() {
        lock.lock()
        token = nil
        dead = true
        lock.unlock()
        inner.close()
    }

    public func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        // Replay what was held, in order, before installing the handlers: messages arriving
        // meanwhile keep being held, so order is kept.
        lock.lock()
        started = true
        lock.unlock()
        while true {
            lock.lock()
            let messages = held
            held.removeAll()
            if messages.isEmpty {
                self.onMessage = onMessage
                self.onEnd = onEnd
                let endNow = heldEnd
                let isDead = dead
                if endNow != nil || isDead { endReported = true }
                lock.unlock()
                if let endNow { onEnd(endNow) } else if isDead { onEnd(.closed("signaling connection dropped")) }
                return
            }
            lock.unlock()
            for m in messages { onMessage(m) }
        }
    }

    public func send(_ message: SignalingMessage) {
        if case .description = message, !exchanged {
            // We offered: the peer has `signalTimeout` seconds to answer.
            let timeout = options.signalTimeout
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
                guard let self, !self.exchanged else { return }
                self.giveUp("no \(self.options.expecting.rawValue) within \(timeout) s (--signal-timeout)")
            }
        }
        inner.send(message)
    }

    private func giveUp(_ reason: String) {
        lock.lock()
        guard !endReported, let handler = onEnd else {
            lock.unlock()
            return
        }
        endReported = true
        lock.unlock()
        if options.verbose { options.log(reason) }
        handler(.closed(reason))
        inner.close()
    }

    public func close() {
        lock.lock()
        dead = true
        let t = token
        token = nil
        lock.unlock()
        if let t { gate.leave(t) }
        inner.close()
    }

    // The inner transport's extras pass through (a WHIP resource is the inner link's).
    public var failure: SignalingFailure? { inner.failure }
    public var iceServers: [ICEServerLink] { inner.iceServers }
    public var answerICEServers: [ICEServerLink] { inner.answerICEServers }
    public var answerMayNameICEServers: Bool { inner.answerMayNameICEServers }
    public var releasesSession: Bool { inner.releasesSession }
    public var trickleToPeer: Bool { inner.trickleToPeer }
    public func release() { inner.release() }
    public func acceptICERestarts(_ handler: @escaping ICERestartHandler) { inner.acceptICERestarts(handler) }
    public var canRequestICERestart: Bool { inner.canRequestICERestart }
    public func requestICERestart(_ ours: PeerConnection.ICEParameters,
                                  completion: @escaping @Sendable (PeerConnection.ICEParameters?) -> Void) {
        inner.requestICERestart(ours, completion: completion)
    }
}
