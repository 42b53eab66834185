import RTC
import RTCSignaling

/// Serves a listening signal's transfer peers all at once (what `rtc listen` does with
/// tcp-listen:// or ws-listen://). Each admitted link gets a `TransferPeer` from `makePeer` on
/// the loop; peers still waiting for the offer/answer exchange are capped like handshakes; a
/// peer that leaves before the exchange is not a session; after `limit` sessions (0: never)
/// `onDone` reports the worst status. Loop thread, except `listen` and `stopListening`.
// @unchecked Sendable is safe: `peers`, the counters and the callbacks are used only on `loop` (the
// listener hands each link over with `execute`); `server` is set by `listen` before any peer arrives
// and only closed afterwards (`SignalingServer.close` is thread-safe).
public final class ConcurrentTransferServer: @unchecked Sendable {
    /// A peer for an admitted link, set up but not started, and what to do when it ends
    /// (before the server counts it).
    public typealias MakePeer = (TransferLink) -> (peer: TransferPeer, ended: () -> Void)

    public let loop: EventLoop
    /// Sessions to serve before `onDone` (0: until closed).
    public let limit: Int
    /// An ended peer's exit status and error line.
    private let outcome: (TransferPeerEnd) -> (Int32, String?)
    private let makePeer: MakePeer
    /// A counted session ended, with its status and error line (if any).
    public var onSessionEnd: ((Int32, String?) -> Void)?
    /// A peer left before the offer/answer exchange (not counted).
    public var onUncounted: (() -> Void)?
    /// `limit` sessions have ended; the worst status.
    public var onDone: ((Int32) -> Void)?
    /// The worst status of the sessions so far (0 when none).
    public private(set) var worst: Int32 = 0

    private var peers: [ObjectIdentifier: TransferPeer] = [:]
    private var server: SignalingServer?
    private var sessionsEnded = 0
    private var finished = false

    public init(loop: EventLoop, limit: Int, outcome: @escaping (TransferPeerEnd) -> (Int32, String?),
                makePeer: @escaping MakePeer) {
        self.loop = loop
        self.limit = limit
        self.outcome = outcome
        self.makePeer = makePeer
    }

    /// Starts listening on `url` (any thread, before the loop sees a peer); returns the port bound.
    /// - Throws: `SignalingFailure` when it cannot listen.
    @discardableResult
    public func listen(_ url: SignalURL, options: ServeOptions) throws -> UInt16 {
        let s = try url.serve(options) { [self] link in loop.execute { [self] in admit(link) } }
        server = s
        return s.port
    }

    private func admit(_ link: GatedLink) {
        // With us offering, peers that have not answered yet hold a peer connection each until
        // --signal-timeout: cap them like the handshakes.
        let waiting = peers.values.filter { ($0.link as? TransferLink)?.exchanged == false }.count
        if !link.exchanged, waiting >= HandshakeGate.defaultMaxPending {
            link.close()
            return
        }
        let (peer, ended) = makePeer(TransferLink(link))
        let id = ObjectIdentifier(peer)
        peers[id] = peer
        peer.onEnd = { [self] end in
            let (status, message) = outcome(end)
            peers[id] = nil
            ended()
            if !link.exchanged && !finished {
                onUncounted?()
                return
            }
            onSessionEnd?(status, message)
            worst = max(worst, status)
            sessionsEnded += 1
            if limit > 0 && sessionsEnded >= limit && !finished {
                finished = true
                onDone?(worst)
            }
        }
        peer.start()
    }

    /// Stops listening and ends every peer with `status` (loop thread).
    public func close(status: Int32) {
        finished = true
        server?.close()
        server = nil
        for p in peers.values { p.end(.ended(status, nil)) }
    }

    /// Stops listening (any thread; peers live on until `close(status:)`).
    public func stopListening() {
        server?.close()
    }
}
