#if canImport(Glibc)
import Glibc
#endif
import RTC

/// One WHIP/WHEP session resource on `rtc answer --signal whip-listen://` as a signaling link:
/// the POSTed offer is its first message, our answer completes the POST (201), PATCHed
/// candidates and DELETE (as `bye`) follow. Any thread.
// @unchecked Sendable is safe: the lets are set in init; every var is read and written under `lock`.
final class WHIPServerLink: SignalingLink, @unchecked Sendable {
    let id: String
    let offer: SessionDescriptionInit
    private let lock = Lock()
    private var etagValue: String
    private var ufragValue: String?
    private var restartHandler: ICERestartHandler?
    private var respond: (@Sendable (SessionDescriptionInit?) -> Void)?
    private var onMessage: (@Sendable (SignalingMessage) -> Void)?
    private var held: [SignalingMessage] = []
    private var closed = false
    /// Called once when the session lets the resource go (a later PATCH/DELETE finds nothing).
    var onClose: (@Sendable (WHIPServerLink) -> Void)? {
        get { lock.withLock { onCloseValue } }
        set { lock.withLock { onCloseValue = newValue } }
    }
    private var onCloseValue: (@Sendable (WHIPServerLink) -> Void)?

    /// - Parameter respond: completes the POST: with the answer (201), or nil when the session
    ///   ended without one.
    init(offer: SessionDescriptionInit, ufrag: String?, respond: @escaping @Sendable (SessionDescriptionInit?) -> Void) {
        id = Self.randomHex(16)
        etagValue = "\"" + Self.randomHex(8) + "\""
        self.offer = offer
        ufragValue = ufrag
        self.respond = respond
    }

    var location: String { "/resource/" + id }

    /// Strong validator of the resource (RFC 9110 §8.8.3), quoted; an ICE restart changes it.
    var etag: String { lock.withLock { etagValue } }
    /// The peer's current ICE ufrag: a fragment with another one asks for an ICE restart.
    var ufrag: String? { lock.withLock { ufragValue } }

    func acceptICERestarts(_ handler: @escaping ICERestartHandler) {
        lock.withLock { restartHandler = handler }
    }

    /// A PATCH asked for an ICE restart (RFC 9725 §4.4.1): the session restarts and completes
    /// with our new parameters and the resource's new ETag, or nil (no session to restart yet,
    /// or it could not).
    func restartICE(_ theirs: PeerConnection.ICEParameters,
                    completion: @escaping @Sendable ((PeerConnection.ICEParameters, etag: String)?) -> Void) {
        guard let handler = lock.withLock({ closed ? nil : restartHandler }) else { return completion(nil) }
        handler(theirs) { [self] ours in
            guard let ours else { return completion(nil) }
            let etag: String = lock.withLock {
                ufragValue = theirs.ufrag
                etagValue = "\"" + Self.randomHex(8) + "\""
                return etagValue
            }
            completion((ours, etag))
        }
    }

    /// The POST still waits for our answer.
    var awaitingAnswer: Bool { lock.withLock { respond != nil } }

    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        onMessage(.description(offer))
        while true {
            let early: [SignalingMessage] = lock.withLock {
                let h = held
                held.removeAll()
                if h.isEmpty { self.onMessage = onMessage }
                return h
            }
            if early.isEmpty { return }
            for m in early { onMessage(m) }
        }
    }

    /// A PATCH's candidates, a DELETE's `bye`, or `bye` when the POST's client went away
    /// before the answer (endpoint's thread).
    func deliver(_ m: SignalingMessage) {
        let handler: (@Sendable (SignalingMessage) -> Void)? = lock.withLock {
            if onMessage == nil { held.append(m) }
            return onMessage
        }
        handler?(m)
    }

    func send(_ message: SignalingMessage) {
        // Only our answer goes anywhere: WHIP has no server-to-client trickle, and DELETE
        // (not us) ends a session.
        guard case let .description(d) = message else { return }
        let r: (@Sendable (SessionDescriptionInit?) -> Void)? = lock.withLock {
            defer { respond = nil }
            return respond
        }
        r?(d)
    }

    func close() {
        let (r, notify): ((@Sendable (SessionDescriptionInit?) -> Void)?, (@Sendable (WHIPServerLink) -> Void)?) = lock.withLock {
            defer {
                respond = nil
                closed = true
            }
            return (respond, closed ? nil : onCloseValue)
        }
        r?(nil)
        notify?(self)
    }

    static func randomHex(_ bytes: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in formatted("%02x", UInt32(UInt8.random(in: 0...255, using: &g))) }.joined()
    }
}
