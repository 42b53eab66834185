#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import RTC

/// `rtc offer --signal whip+http(s)://…` / `whep+http(s)://…`: our offer is POSTed as
/// `application/sdp` (RFC 9725 §4.2), the 201's body is the answer and its `Location` the
/// session's resource; candidates trickle by PATCH (`application/trickle-ice-sdpfrag`, §4.3.1)
/// and the resource is DELETEd when the session ends (§4.2). WHEP (draft-ietf-wish-whep) is the
/// same exchange for a session that plays instead of publishing.
///
/// A trickling client (its offer has `a=ice-options:trickle`) also takes the endpoint's later
/// candidates: its POST and trickle PATCHes send `Accept: application/trickle-ice-sdpfrag`, and
/// a 200 to a trickle PATCH brings the endpoint's candidates (and end) in a fragment, delivered
/// as `.candidate` / `.endOfCandidates` (rtc's extension, see `WHIPEndpoint`; RFC 9725 servers
/// answer 204). While such a 200 says more is to come, the client asks again with a fragment
/// without candidates, at most `maxPolls` times per ICE generation.
///
/// Failures (`failure`): a 4xx (our offer refused), or a 201 without an answer or `Location`,
/// is `.badInput`; no connection, a connect timeout, a 5xx or a reply that is not HTTP
/// `.unreachable`; no reply within `signalTimeout` `.timeout`. Any thread.
// @unchecked Sendable is safe: the lets and `iceServers` are set in init (before the link is shared);
// every other var is read and written under `lock`.
public final class WHIPClientLink: SignalingLink, @unchecked Sendable {
    public typealias Kind = WHIPKind

    public let endpoint: String
    public let kind: Kind
    let token: String?
    let signalTimeout: Double
    let verbose: Bool
    let log: @Sendable (String) -> Void
    let http: WHIPHTTP
    public private(set) var iceServers: [ICEServerLink] = []
    /// Whether the endpoint's servers are used (the user named none, RFC 9725 §4.6: the
    /// client's own configuration overrides them).
    let useEndpointServers: Bool

    private let lock = Lock()
    private var onMessage: (@Sendable (SignalingMessage) -> Void)?
    private var onEnd: (@Sendable (SignalingError?) -> Void)?
    private var failureValue: SignalingFailure?
    private var ended = false
    private var offer: SessionDescription?
    private var resource: String?
    private var etag: String?
    private var pending: [ICECandidateInit] = []
    private var pendingEnd = false
    private var patching = false
    /// PATCH is refused by the server (405/501): candidates stay local (RFC 9725 §4.3.1).
    private var noTrickle = false
    private var deleting: EventLoopFuture<HTTPClient.Response>?
    private var laterServers: [ICEServerLink] = []
    /// The endpoint's servers as last named, by URL: a restart's that differ are new to the session.
    private var knownServers: [String: ICEServerLink] = [:]
    /// Our credentials since an ICE restart: later trickle fragments carry them, not the offer's.
    private var restartCredentials: (ufrag: String, pwd: String)?
    /// A restart waiting for the PATCH in flight (one PATCH at a time keeps them in order).
    private var queuedRestart: (PeerConnection.ICEParameters, @Sendable (PeerConnection.ICEParameters?) -> Void)?
    /// The endpoint refused the last restart: candidates of our new generation have nowhere to go.
    private var trickleStopped = false
    private var released = false
    /// Our offer trickles: we ask for the endpoint's candidates after its answer too.
    private var takesCandidates = false
    /// The endpoint's ufrag of the current ICE generation: a fragment with another is stale.
    private var remoteUfrag: String?
    /// The endpoint said `a=end-of-candidates` for the current generation.
    private var remoteEnded = false
    /// A PATCH without candidates is due, to ask for the endpoint's; how many are left.
    private var pollDue = false
    private var pollsLeft = 0
    /// Empty PATCHes asking for the endpoint's candidates, per ICE generation (each held by
    /// our endpoint up to 2 s while it gathers).
    static let maxPolls = 10

    /// With `options.fetchICEServers` the endpoint is asked for its STUN/TURN servers first
    /// (OPTIONS), synchronously, so the peer connection can be made with them.
    /// - Throws: `SignalingFailure` `.unreachable` when the endpoint cannot be reached,
    ///   `.timeout` when it does not answer within `signalTimeout`, `.interrupted` when cancelled.
    public init(endpoint: String, kind: Kind, options: ConnectOptions) throws {
        self.endpoint = endpoint
        self.kind = kind
        token = options.token
        signalTimeout = options.signalTimeout
        verbose = options.verbose
        log = options.log
        http = WHIPHTTP(connectTimeout: min(options.connectTimeout, options.signalTimeout), group: options.group,
                        cancellation: options.cancellation)
        useEndpointServers = options.fetchICEServers
        if options.fetchICEServers { try askForICEServers() }
    }

    public var failure: SignalingFailure? { lock.withLock { failureValue } }

    /// The session ends on the endpoint with our DELETE (`release`), before the connection closes.
    public var releasesSession: Bool { true }

    private var name: String { "\(kind.rawValue) endpoint \(endpoint)" }

    /// OPTIONS on the endpoint (the early WHIP drafts' way to learn its ICE servers, which
    /// servers such as Janus and MediaMTX still answer). A status other than 2xx means it has
    /// none to tell; an endpoint that cannot be reached fails here already.
    private func askForICEServers() throws {
        if verbose { log("OPTIONS \(endpoint) (ICE servers)") }
        let result = http.wait(http.request(.OPTIONS, endpoint, headers: authHeaders(), deadline: signalTimeout),
                               within: signalTimeout)
        switch result {
        case let .success(response):
            if (200..<300).contains(response.status.code) {
                iceServers = ICEServerLink.parse(response.headers["Link"])
                if verbose && !iceServers.isEmpty {
                    log("\(kind.rawValue) endpoint offers ICE servers: \(iceServers.map(\.url).joined(separator: " "))")
                }
            }
        case let .failure(error):
            throw error as? SignalingFailure ?? classify(error, doing: "OPTIONS")
        case nil:
            throw SignalingFailure(.timeout, "\(name) did not answer the OPTIONS within \(formatted("%g", signalTimeout)) s (--signal-timeout)")
        }
    }

    public func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        lock.withLock {
            self.onMessage = onMessage
            self.onEnd = onEnd
        }
    }

    public func send(_ message: SignalingMessage) {
        switch message {
        case let .description(d):
            post(d)
        case let .candidate(c):
            lock.withLock { pending.append(c) }
            patchPending()
        case .endOfCandidates:
            lock.withLock { pendingEnd = true }
            patchPending()
        case .bye:
            close()
        }
    }

    /// No more requests but the DELETE, which `release` sends.
    public func close() { lock.withLock { ended = true } }

    // MARK: - POST (RFC 9725 §4.2)

    private func post(_ d: SessionDescriptionInit) {
        let trickles: Bool = lock.withLock {
            offer = try? SessionDescription.parse(d.sdp)
            takesCandidates = offer.map { o in o.media.contains { $0.iceOptions.contains("trickle") } } ?? false
            return takesCandidates
        }
        var headers = authHeaders()
        headers.add(name: "Content-Type", value: "application/sdp")
        // We take the endpoint's candidates after its answer, in PATCH responses.
        if trickles { headers.add(name: "Accept", value: "application/sdp, application/trickle-ice-sdpfrag") }
        if verbose { log("POST \(endpoint) (\(d.sdp.utf8.count) bytes of SDP offer)") }
        let future = http.request(.POST, endpoint, headers: headers, body: d.sdp, deadline: signalTimeout)
        future.whenComplete { [self] result in
            switch result {
            case let .success(response): answered(response)
            case let .failure(error): fail(error as? SignalingFailure ?? classify(error, doing: "POST"))
            }
        }
    }

    private func answered(_ response: HTTPClient.Response) {
        let code = response.status.code
        guard code == 201 else {
            fail(statusError(response, doing: "POST of our offer"))
            return
        }
        let body = response.body.map { String(buffer: $0) } ?? ""
        guard !body.trimmingWhitespace().isEmpty else {
            fail(SignalingFailure(.badInput, "\(name) answered 201 Created without an SDP answer"))
            return
        }
        let base = response.url?.absoluteString ?? endpoint
        guard let location = response.headers.first(name: "Location"),
              let url = URLReference.resolve(location, against: base) else {
            fail(SignalingFailure(.badInput, "\(name) answered 201 Created without a usable Location header"))
            return
        }
        // RFC 9725 §4.6: servers in the 201 that OPTIONS did not name are the session's to use
        // from now on (gathered at once when trickling, else at the next ICE restart).
        let offered = ICEServerLink.parse(response.headers["Link"])
        let later = useEndpointServers ? offered.filter { !iceServers.contains($0) } : []
        if verbose {
            log("\(kind.rawValue) resource \(url)")
            if !later.isEmpty {
                log("\(kind.rawValue) endpoint offers ICE servers in its 201: \(later.map(\.url).joined(separator: " "))")
            } else if !useEndpointServers && !offered.isEmpty {
                log("ICE servers in the 201 not used (--stun/--turn given): \(offered.map(\.url).joined(separator: " "))")
            }
        }
        let answer = try? SessionDescription.parse(body)
        let handler: (@Sendable (SignalingMessage) -> Void)? = lock.withLock {
            resource = url
            etag = response.headers.first(name: "ETag")
            laterServers = later
            for server in iceServers + later { knownServers[server.url] = server }
            let transport = answer?.media.first { !$0.isRejected } ?? answer?.media.first
            remoteUfrag = transport.flatMap { answer?.iceUfrag(for: $0) }
            remoteEnded = answer?.media.contains { $0.endOfCandidates } ?? false
            pollsLeft = Self.maxPolls
            return ended ? nil : onMessage
        }
        handler?(.description(SessionDescriptionInit(type: .answer, sdp: body)))
        patchPending()
    }

    public var answerICEServers: [ICEServerLink] { lock.withLock { laterServers } }
    public var answerMayNameICEServers: Bool { useEndpointServers }

    // MARK: - PATCH: trickle (RFC 9725 §4.3.1, RFC 8840)

    /// Sends the candidates gathered so far in one fragment once the resource exists; one PATCH
    /// at a time (a queued ICE restart first), so they arrive in order.
    private func patchPending() {
        enum Work {
            case restart(String, SessionDescription, PeerConnection.ICEParameters,
                         @Sendable (PeerConnection.ICEParameters?) -> Void)
            case trickle(String, [ICECandidateInit], Bool, SessionDescription, String?, (ufrag: String, pwd: String)?,
                         accept: Bool)
        }
        let work: Work? = lock.withLock {
            guard !patching, !ended, let resource, let offer else { return nil }
            if let (ours, completion) = queuedRestart {
                queuedRestart = nil
                patching = true
                return .restart(resource, offer, ours, completion)
            }
            guard !noTrickle, !trickleStopped, !pending.isEmpty || pendingEnd || pollDue else { return nil }
            let batch = pending
            let end = pendingEnd
            pending.removeAll()
            pendingEnd = false
            pollDue = false
            patching = true
            return .trickle(resource, batch, end, offer, etag, restartCredentials, accept: takesCandidates)
        }
        switch work {
        case nil: return
        case let .restart(url, offer, ours, completion): sendRestart(url, offer, ours, completion)
        case let .trickle(url, batch, end, offer, etag, credentials, accept):
            trickle(url, batch, end, offer, etag, credentials, accept: accept)
        }
    }

    private func trickle(_ url: String, _ batch: [ICECandidateInit], _ end: Bool, _ offer: SessionDescription,
                         _ etag: String?, _ credentials: (ufrag: String, pwd: String)?, accept: Bool) {
        var headers = authHeaders()
        headers.add(name: "Content-Type", value: "application/trickle-ice-sdpfrag")
        if accept { headers.add(name: "Accept", value: "application/trickle-ice-sdpfrag") }
        if let etag { headers.add(name: "If-Match", value: etag) }
        // After a restart the endpoint knows our new ufrag; the offer's would ask for another.
        let first = offer.media.first
        let ufrag = credentials?.ufrag ?? first.flatMap { offer.iceUfrag(for: $0) } ?? ""
        let pwd = credentials?.pwd ?? first.flatMap { offer.icePwd(for: $0) } ?? ""
        // With no candidate (asking for the endpoint's), the credentials still name the generation.
        let fragment = TrickleICEFragment.carrying(
            PeerConnection.ICEParameters(ufrag: ufrag, password: pwd, candidates: batch, endOfCandidates: end), of: offer)
        let body = fragment.text()
        if verbose { log("PATCH \(url) (\(batch.count) candidates\(end ? ", end" : ""))") }
        http.request(.PATCH, url, headers: headers, body: body, deadline: signalTimeout).whenComplete { [self] result in
            var stop = false
            switch result {
            case let .success(r) where r.status.code == 200 && accept:
                takeEndpointCandidates(r, sentWith: ufrag)
            case let .success(r) where (200..<300).contains(r.status.code):
                break
            case let .success(r):
                // 405/501: the server takes no trickle; the candidates in our offer (none with
                // --trickle) and its own checks must do.
                stop = r.status.code == 405 || r.status.code == 501
                log("\(kind.rawValue) PATCH (trickle) refused: HTTP \(r.status.code) \(r.status.reasonPhrase)")
            case let .failure(e):
                // After our DELETE (the session ended) a PATCH still under way may fail: not news.
                if !lock.withLock({ ended }) { log("\(kind.rawValue) PATCH (trickle) failed: \(e)") }
            }
            lock.withLock {
                patching = false
                if stop { noTrickle = true }
            }
            patchPending()
        }
    }

    /// A trickle PATCH's 200 body: the endpoint's candidates since it last told us, and its end
    /// (rtc's extension). A fragment of another generation (a restart overtook it) is dropped;
    /// one that says more is to come makes another PATCH due (at most `maxPolls`).
    private func takeEndpointCandidates(_ r: HTTPClient.Response, sentWith ufrag: String) {
        // Only a fragment with the endpoint's credentials is its news: some servers answer a
        // trickle PATCH 200 with an empty body, which must not make us ask again.
        let type = r.headers.first(name: "Content-Type").map { String($0.prefix { $0 != ";" }).trimmingWhitespace().lowercased() }
        guard type == "application/trickle-ice-sdpfrag" else { return }
        let body = r.body.map { String(buffer: $0) } ?? ""
        guard let fragment = try? TrickleICEFragment.parse(body), fragment.ufrag != nil else {
            log("\(kind.rawValue) PATCH response: a trickle-ice-sdpfrag without ICE credentials ignored")
            return
        }
        let (handler, fresh): ((@Sendable (SignalingMessage) -> Void)?, Bool) = lock.withLock {
            let current = restartCredentials?.ufrag ?? offer.flatMap { o in o.media.first.flatMap { o.iceUfrag(for: $0) } }
            // RFC 9725 §4.3.1: only the answer to a request of the current generation applies.
            guard ufrag == current, fragment.ufrag == nil || fragment.ufrag == remoteUfrag, !remoteEnded else {
                return (nil, false)
            }
            if fragment.endOfCandidates {
                remoteEnded = true
            } else if pollsLeft > 0 {
                pollsLeft -= 1
                pollDue = true
            }
            return (ended ? nil : onMessage, true)
        }
        guard fresh else { return }
        let candidates = fragment.candidateInits
        if verbose && (!candidates.isEmpty || fragment.endOfCandidates) {
            log("\(kind.rawValue) endpoint's candidates in the PATCH response: \(candidates.count)"
                + candidates.map { " [\($0.candidate)]" }.joined() + (fragment.endOfCandidates ? ", end" : ""))
        }
        for c in candidates { handler?(.candidate(c)) }
        if fragment.endOfCandidates { handler?(.endOfCandidates) }
    }

    // MARK: - PATCH: ICE restart (RFC 9725 §4.4.1)

    /// Once the resource exists and the endpoint has not refused PATCH.
    public var canRequestICERestart: Bool { lock.withLock { resource != nil && offer != nil && !noTrickle && !ended } }

    /// PATCHes our new credentials and candidates with `If-Match: "*"` (after any PATCH in
    /// flight); the 200's fragment holds the endpoint's new ones, and its ETag replaces the
    /// resource's. Anything else completes nil. Candidates not yet sent are the old generation's
    /// and dropped; those sent from now on (trickle) follow the restart with the new credentials.
    public func requestICERestart(_ ours: PeerConnection.ICEParameters,
                                  completion: @escaping @Sendable (PeerConnection.ICEParameters?) -> Void) {
        let (queued, superseded) = lock.withLock { () -> (Bool, (@Sendable (PeerConnection.ICEParameters?) -> Void)?) in
            guard resource != nil, offer != nil, !ended else { return (false, nil) }
            pending.removeAll()
            pendingEnd = false
            restartCredentials = (ours.ufrag, ours.password)
            trickleStopped = false
            defer { queuedRestart = (ours, completion) }
            return (true, queuedRestart?.1)
        }
        superseded?(nil)
        guard queued else { return completion(nil) }
        patchPending()
    }

    private func sendRestart(_ url: String, _ offer: SessionDescription, _ ours: PeerConnection.ICEParameters,
                             _ done: @escaping @Sendable (PeerConnection.ICEParameters?) -> Void) {
        // Runs once: the next PATCH may go when this one is answered.
        let completion: @Sendable (PeerConnection.ICEParameters?) -> Void = { [self] theirs in
            lock.withLock {
                patching = false
                if theirs == nil {
                    trickleStopped = true
                    pending.removeAll()
                    pendingEnd = false
                }
            }
            done(theirs)
            patchPending()
        }
        let fragment = TrickleICEFragment.restarting(ours, of: offer)
        var headers = authHeaders()
        headers.add(name: "Content-Type", value: "application/trickle-ice-sdpfrag")
        headers.add(name: "If-Match", value: "*")
        let accept = lock.withLock { takesCandidates }
        if accept { headers.add(name: "Accept", value: "application/trickle-ice-sdpfrag") }
        if verbose { log("PATCH \(url) (ICE restart, ufrag \(ours.ufrag))") }
        http.request(.PATCH, url, headers: headers, body: fragment.text(), deadline: signalTimeout).whenComplete { [self] result in
            switch result {
            case let .success(r) where r.status.code == 200:
                let body = r.body.map { String(buffer: $0) } ?? ""
                guard let theirs = (try? TrickleICEFragment.parse(body))?.iceParameters else {
                    log("\(kind.rawValue) ICE restart: the 200 carries no ICE credentials")
                    return completion(nil)
                }
                // RFC 9725 §4.6: servers named again may bring new credentials (TURN ones
                // expire); the session takes those it does not know yet, like the 201's.
                let offered = useEndpointServers ? ICEServerLink.parse(r.headers["Link"]) : []
                lock.withLock {
                    if let etag = r.headers.first(name: "ETag") { self.etag = etag }
                    remoteUfrag = theirs.ufrag
                    remoteEnded = theirs.endOfCandidates
                    pollsLeft = Self.maxPolls
                    laterServers = offered.filter { knownServers[$0.url] != $0 }
                    for server in offered { knownServers[server.url] = server }
                }
                if verbose && !theirs.candidates.isEmpty {
                    log("\(kind.rawValue) endpoint's candidates in the ICE restart response: \(theirs.candidates.count)"
                        + (theirs.endOfCandidates ? ", end" : ""))
                }
                completion(theirs)
            case let .success(r):
                log("\(kind.rawValue) ICE restart refused: HTTP \(r.status.code) \(r.status.reasonPhrase)")
                completion(nil)
            case let .failure(e):
                log("\(kind.rawValue) ICE restart failed: \(e)")
                completion(nil)
            }
        }
    }

    // MARK: - DELETE (RFC 9725 §4.2)

    private func startDelete() {
        let url: String? = lock.withLock {
            ended = true
            guard deleting == nil, let resource else { return nil }
            return resource
        }
        guard let url else { return }
        if verbose { log("DELETE \(url)") }
        let future = http.request(.DELETE, url, headers: authHeaders(), deadline: deleteWait)
        lock.withLock { deleting = future }
    }

    private var deleteWait: Double { min(signalTimeout, 3) }

    /// Sends the DELETE if not yet sent and waits for its reply, at most 3 s (or
    /// `--signal-timeout` when shorter): the server frees the session, or times it out itself.
    public func release() {
        startDelete()
        let future: EventLoopFuture<HTTPClient.Response>? = lock.withLock {
            defer { released = true }
            return released ? nil : deleting
        }
        guard let future else { return }
        switch http.wait(future, within: deleteWait, interruptible: false) {
        case let .success(r)? where verbose: log("DELETE answered HTTP \(r.status.code)")
        case let .failure(e)? where verbose: log("DELETE failed: \(e)")
        default: break
        }
    }

    // MARK: - Errors

    private func fail(_ e: SignalingFailure) {
        let handler: (@Sendable (SignalingError?) -> Void)? = lock.withLock {
            guard failureValue == nil else { return nil }
            failureValue = e
            return ended ? nil : onEnd
        }
        handler?(.closed(e.message))
    }

    /// RFC 9725 §4.2: a 4xx means the endpoint refused what we sent (65); a 5xx that it could
    /// not serve (69). Anything else where a 201 belongs is a server we cannot use (65).
    private func statusError(_ r: HTTPClient.Response, doing what: String) -> SignalingFailure {
        let code = r.status.code
        var line = "\(name) answered the \(what) with HTTP \(code) \(r.status.reasonPhrase)"
        if let body = r.body.map({ String(buffer: $0) })?.trimmingWhitespace(), !body.isEmpty {
            let first = body.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first.map(String.init) ?? ""
            line += ": " + String(first.prefix(120))
        }
        return SignalingFailure(code >= 500 ? .unreachable : .badInput, line)
    }

    private func classify(_ error: Error, doing what: String) -> SignalingFailure {
        if let e = error as? HTTPClientError, e == .deadlineExceeded || e == .readTimeout {
            return SignalingFailure(.timeout, "\(name) did not answer the \(what) within \(formatted("%g", signalTimeout)) s (--signal-timeout)")
        }
        if let e = error as? HTTPClientError, e == .connectTimeout {
            return SignalingFailure(.unreachable, "cannot connect to \(name): timed out (--connect-timeout)")
        }
        // One line, whatever the error's text (TLS errors list the library's error queue).
        let text = "\(error)".split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        return SignalingFailure(.unreachable, "\(name) unreachable (\(what)): \(text)")
    }

    private func authHeaders() -> HTTPHeaders {
        var h = HTTPHeaders()
        if let token { h.add(name: "Authorization", value: "Bearer \(token)") }
        return h
    }
}
