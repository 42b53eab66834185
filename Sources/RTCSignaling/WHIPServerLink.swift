#if canImport(Glibc)
import Glibc
#endif
import RTC

/// One WHIP/WHEP session resource on `rtc answer --signal whip-listen://` as a signaling link:
/// the POSTed offer is its first message, our answer completes the POST (201), PATCHed
/// candidates and DELETE (as `bye`) follow. Any thread.
///
/// Our candidates after the answer: RFC 9725 §4.3.2 has none (the answer carries them all, a
/// trickle PATCH gets 204 without a body). A client that says it takes them (`Accept:
/// application/trickle-ice-sdpfrag` on its POST: `clientTakesCandidates`) gets the answer at
/// once and the rest in the bodies of its PATCH responses (`poll`): rtc's extension, which
/// clients that do not ask never see.
// @unchecked Sendable is safe: the lets are set in init; every var is read and written under `lock`.
final class WHIPServerLink: SignalingLink, @unchecked Sendable {
    let id: String
    let offer: SessionDescriptionInit
    /// The client's POST accepted `application/trickle-ice-sdpfrag`: the session trickles to it.
    let clientTakesCandidates: Bool
    private let lock = Lock()
    // Our side of the current ICE generation, as far as the client knows it.
    private var localCredentials: (ufrag: String, pwd: String)?
    private var told: Set<String> = []
    private var untold: [ICECandidateInit] = []
    private var gatheredAll = false
    private var endTold = false
    private var poller: (token: UInt64, completion: @Sendable (WHIPNews) -> Void)?
    private var pollTokens: UInt64 = 0
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
    init(offer: SessionDescriptionInit, ufrag: String?, clientTakesCandidates: Bool = false,
         respond: @escaping @Sendable (SessionDescriptionInit?) -> Void) {
        id = Self.randomHex(16)
        etagValue = "\"" + Self.randomHex(8) + "\""
        self.offer = offer
        ufragValue = ufrag
        self.clientTakesCandidates = clientTakesCandidates
        self.respond = respond
    }

    var trickleToPeer: Bool { clientTakesCandidates }

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
            let (etag, held): (String, (completion: @Sendable (WHIPNews) -> Void, news: WHIPNews)?) = lock.withLock {
                ufragValue = theirs.ufrag
                etagValue = "\"" + Self.randomHex(8) + "\""
                // A PATCH held for the old generation goes back with nothing; the client's next
                // PATCH asks for the new one's candidates.
                let held = poller.map { p in
                    (completion: p.completion, news: WHIPNews(ufrag: localCredentials?.ufrag ?? "",
                                                              pwd: localCredentials?.pwd ?? "", candidates: [], end: false))
                }
                poller = nil
                // The reply carries these: the new generation's candidates start from them.
                localCredentials = (ours.ufrag, ours.password)
                told = Set(ours.candidates.map { Self.key($0.candidate) })
                untold.removeAll()
                gatheredAll = ours.endOfCandidates
                endTold = ours.endOfCandidates
                return (etagValue, held)
            }
            if let held { held.completion(held.news) }
            completion((ours, etag))
        }
    }

    // MARK: - Our candidates for the client (PATCH responses)

    /// Completes with what the client has not been told (`WHIPNews.candidates`, and `end` once
    /// our gathering is complete): at once when there is something, or nil (204) when the
    /// client knows everything; otherwise once a candidate or the end comes, or `expire(token)`
    /// ends the wait with nothing (200 with an empty fragment: more is to come). Returns the
    /// token of a held poll. A new poll ends a held one with nothing.
    func poll(_ completion: @escaping @Sendable (WHIPNews?) -> Void) -> UInt64? {
        enum Outcome { case now(WHIPNews?), held(UInt64, (@Sendable (WHIPNews) -> Void)?) }
        let outcome: Outcome = lock.withLock {
            if let news = takeNews() { return .now(news) }
            if endTold || localCredentials == nil { return .now(nil) }
            let previous = poller?.completion
            pollTokens += 1
            poller = (pollTokens, { completion($0) })
            return .held(pollTokens, previous)
        }
        switch outcome {
        case let .now(news):
            completion(news)
            return nil
        case let .held(token, previous):
            previous?(emptyNews)
            return token
        }
    }

    /// The held poll `token` (if still held) completes with nothing new.
    func expire(_ token: UInt64) {
        let p: (@Sendable (WHIPNews) -> Void)? = lock.withLock {
            guard poller?.token == token else { return nil }
            defer { poller = nil }
            return poller?.completion
        }
        p?(emptyNews)
    }

    private var emptyNews: WHIPNews {
        lock.withLock { WHIPNews(ufrag: localCredentials?.ufrag ?? "", pwd: localCredentials?.pwd ?? "", candidates: [], end: false) }
    }

    /// Under `lock`: the candidates (and end) not yet told, now told; nil when there are none.
    private func takeNews() -> WHIPNews? {
        guard let credentials = localCredentials else { return nil }
        let end = gatheredAll && !endTold
        guard !untold.isEmpty || end else { return nil }
        let news = WHIPNews(ufrag: credentials.ufrag, pwd: credentials.pwd, candidates: untold, end: end)
        for c in untold { told.insert(Self.key(c.candidate)) }
        untold.removeAll()
        if end { endTold = true }
        return news
    }

    /// A candidate of ours (or the end) from the session: kept for the client's next PATCH
    /// response, or handed to the one held.
    private func gathered(_ c: ICECandidateInit?) {
        let ready: ((@Sendable (WHIPNews) -> Void), WHIPNews)? = lock.withLock {
            if let c {
                let key = Self.key(c.candidate)
                guard !told.contains(key), !untold.contains(where: { Self.key($0.candidate) == key }) else { return nil }
                untold.append(c)
            } else {
                gatheredAll = true
            }
            guard let p = poller, let news = takeNews() else { return nil }
            poller = nil
            return (p.completion, news)
        }
        if let (p, news) = ready { p(news) }
    }

    /// Our answer went out: its candidates (and end) are what the client knows of ours.
    private func answered(_ d: SessionDescriptionInit) {
        guard let sdp = try? SessionDescription.parse(d.sdp) else { return }
        let transport = sdp.media.first { !$0.isRejected } ?? sdp.media.first
        lock.withLock {
            if let m = transport, let ufrag = sdp.iceUfrag(for: m), let pwd = sdp.icePwd(for: m) {
                localCredentials = (ufrag, pwd)
            }
            for m in sdp.media { for c in m.candidates { told.insert(Self.key(c.description)) } }
            untold.removeAll { told.contains(Self.key($0.candidate)) }
            if sdp.media.contains(where: \.endOfCandidates) {
                gatheredAll = true
                endTold = true
            }
        }
    }

    /// A candidate's identity: transport, priority, address, port and type (`candidate:` and the
    /// foundation and component aside, which SDP parsing may write differently).
    static func key(_ candidate: String) -> String {
        let fields = candidate.split(separator: " ")
        return fields.count >= 8 ? fields[2...7].joined(separator: " ").lowercased() : candidate
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
        switch message {
        case let .description(d):
            answered(d)
            let r: (@Sendable (SessionDescriptionInit?) -> Void)? = lock.withLock {
                defer { respond = nil }
                return respond
            }
            r?(d)
        case let .candidate(c):
            // Only sent when the session trickles to us (`trickleToPeer`): for PATCH responses.
            gathered(c)
        case .endOfCandidates:
            gathered(nil)
        case .bye:
            break  // DELETE (the client, not us) ends a session
        }
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

/// Our ICE news for a WHIP client, in the body of a PATCH response: our current credentials,
/// the candidates it was not yet told and whether gathering is complete.
struct WHIPNews: Sendable {
    var ufrag: String
    var pwd: String
    var candidates: [ICECandidateInit]
    var end: Bool

    var parameters: PeerConnection.ICEParameters {
        PeerConnection.ICEParameters(ufrag: ufrag, password: pwd, candidates: candidates, endOfCandidates: end)
    }
}
