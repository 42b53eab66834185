#if canImport(Glibc)
import Glibc
#endif
import RTC
import RTCSignaling

/// One peer session: negotiates a `PeerConnection` over any signaling link (or signaling the
/// application carries itself), opens the configured channels, reports every channel the peer
/// opens, runs media sections, and ends by the rules below. Events (`SessionEvent`) go to
/// `onEvent` on the session's loop thread, or to `events` as an `AsyncStream`.
///
/// Setup is done (and the connect timeout stops) when every channel we open is open, or, when
/// we open none, when the peer opened one (a media-only session: when connected). Input
/// (`send`, or `input(line:)` for line-oriented applications) waits until then. `endInput`
/// closes every channel once what is queued has left; the session ends when all channels are
/// closed or the peer goes away (its connection closes, or it says `bye`).
///
/// The stack runs on the session's own event-loop thread; `send` may be called from any other
/// thread and waits while the channels hold more than `highWater` bytes, so memory stays bounded.
// @unchecked Sendable is safe: the loop-thread state is used only in tasks on `loop`; the state shared
// with sending threads (phase, queued bytes, the outcome, `pcConfiguration`) only under `gate`; the
// callbacks and `servedLink` are set before `run`, whose `execute` calls publish them to the loop.
public final class PeerSession: @unchecked Sendable {
    public typealias Role = SessionConfiguration.Role

    public let configuration: SessionConfiguration
    public var role: Role { configuration.role }
    /// Events, on the loop thread. Set before `run`.
    public var onEvent: (SessionEvent) -> Void = { _ in }
    /// A link the application accepted already (a listener's); then `configuration.signal`
    /// is not connected. Set before `run`.
    public var servedLink: SignalingLink? {
        didSet { link = servedLink }
    }
    private var link: SignalingLink?
    /// Called by `run` (on its thread) once the session takes input: start reading then.
    public var onStarted: (() -> Void)?
    /// Called by `run` (on its thread) as it returns, with what it returns.
    public var onEnd: ((SessionError?) -> Void)?
    /// The event loop the whole stack of this session runs on.
    public let loop = PollEventLoop()

    /// Sources, sinks and events of the media sections (loop thread).
    private var media: SessionMedia?
    // Loop-thread state.
    private var pc: PeerConnection?
    /// Every channel of the session, ours and the peer's, in the order they appeared.
    private var channels: [DataChannel] = []
    /// The channels we create (by identity), whose opening the connect timeout covers.
    private var ours: Set<ObjectIdentifier> = []
    /// Channels in the order they opened: the first open one takes unlabelled input.
    private var openOrder: [DataChannel] = []
    private var closeReported: Set<ObjectIdentifier> = []
    private var inputFinished = false
    /// Events wait until our description is out: it must be the first line a peer reads.
    private var descriptionSent = false
    private var heldEvents: [SessionEvent] = []
    private var closing = false
    /// Setup is done (the connect timeout no longer applies).
    private var opened = false
    private var sessionClosed = false
    /// `sendAsync` calls waiting for room, in order (loop thread).
    private var asyncSends: [AsyncSend] = []

    // Shared with sending threads, guarded by `gate`.
    private let gate = Condition()
    private var phase = Phase.awaitingRemote
    private var queuedBytes = 0
    /// The largest bufferedAmount among the channels, as last seen on the loop.
    private var channelBuffered = 0
    private var finished = false
    private var outcome: SessionError?

    private enum Phase { case awaitingRemote, connecting, open, closed }

    /// - Parameter link: signaling already connected (a listener's peer, an in-memory pair);
    ///   nil to connect `configuration.signal` in `run`.
    public init(_ configuration: SessionConfiguration, link: SignalingLink? = nil) {
        self.configuration = configuration
        servedLink = link
        self.link = link
    }

    private var highWater: Int { configuration.highWater }

    /// Whether our candidates trickle to the peer: `trickle`, or a link whose peer asked for
    /// them (a WHIP client taking them in PATCH responses).
    private var trickling: Bool { configuration.trickle || link?.trickleToPeer == true }

    /// Runs until the session ends (blocking the calling thread); nil when it ended cleanly.
    public func run() -> SessionError? {
        loop.start()
        var settings = configuration.peerConnection
        let role = configuration.role
        // The answerer makes its connection (certificate, sockets, gathering) while the offer is
        // still on its way, as the offerer does before printing its offer: that work then no
        // longer sits between the offer and the answer (issue 12: rtc<->rtc setup). With
        // trickle it waits for the offer, so no candidate can go out before the answer.
        if role == .answer && !trickling {
            let early = settings
            loop.execute { [self] in if pc == nil { _ = makePeerConnection(early) } }
        }
        // Then the link, before the offerer's connection: a WHIP/WHEP endpoint may name STUN/TURN
        // servers, used when the application gave none (RFC 9725 §4.6).
        var connected: SignalingLink?
        if let servedLink {
            connected = servedLink
        } else if !configuration.signal.isStdio {
            do {
                connected = try configuration.signal.connect(configuration.connect)
            } catch let e as SignalingFailure {
                return stopLoop(.signaling(e))
            } catch {
                return stopLoop(.failure("\(error)"))
            }
        }
        if let link = connected, !link.iceServers.isEmpty {
            settings.adopt(link.iceServers, log: configuration.verbose ? { [self] line in
                loop.execute { [self] in onEvent(.notice(line)) }
            } : nil)
        }
        let pcConfiguration = settings
        gate.withLock { self.pcConfiguration = pcConfiguration }

        if let link = connected {
            self.link = link
            link.acceptICERestarts { [self] theirs, reply in
                loop.execute { [self] in peerRestartsICE(theirs, reply: reply) }
            }
            link.start(onMessage: { [self] m in linkMessage(m) },
                       onEnd: { [self] e in
                           if let failure = link.failure {
                               finish(.signaling(failure))
                           } else if let e, case .malformed = e {
                               finish(.badInput("bad signaling message: \(e)"))
                           } else if phaseNow() == .awaitingRemote {
                               finish(.unreachable("signaling closed before the peer's description arrived"))
                           }
                       })
            if role == .offer { loop.execute { self.startOffer(pcConfiguration) } }
        } else if let file = configuration.remoteFile, role == .answer {
            guard let text = readWholeFile(file) else {
                return stopLoop(.badInput("cannot read --remote file \(file)"))
            }
            loop.execute { self.startAnswer(pcConfiguration, offerText: text) }
        } else if role == .offer {
            // The answer can only exist once our offer is out, so the offerer reads the remote
            // file after sending the offer (startOffer), e.g. from a fifo the answer is written to.
            loop.execute { self.startOffer(pcConfiguration) }
        }
        onStarted?()

        let timeout = configuration.connectTimeout
        loop.execute { [self] in
            loop.schedule(in: .milliseconds(Int64(timeout * 1000))) { [self] in
                // The connect timeout covers the whole way to an open channel: ICE, DTLS, SCTP, DCEP.
                if !opened && !isFinished {
                    finish(.timeout("timed out after \(timeout) s waiting for \(awaited())"))
                }
            }
        }

        gate.lock()
        while !finished { gate.wait() }
        let result = outcome
        gate.unlock()
        // A WHIP/WHEP resource is DELETEd whatever ended the session (bounded wait).
        link?.release()
        // Tell the peer we are going (whatever ended the session), and stop the loop thread
        // before returning: exit-time cleanup of OpenSSL racing a STUN HMAC on the loop crashed
        // rtc ("OpenSSL HMAC failed", SIGILL) when its stdout was closed.
        loop.stopAndWait { [self] in
            media?.close()  // files get their last frames and final headers
            pc?.close()
            failAsyncSends()
        }
        onEnd?(result)
        return result
    }

    /// Ends a session that failed before it started, stopping the loop.
    private func stopLoop(_ e: SessionError) -> SessionError {
        finish(e)
        loop.stopAndWait {}
        onEnd?(e)
        return e
    }

    /// What the session still waits for, naming the layer (loop thread).
    private func awaited() -> String {
        let phase = pc?.setupPhase ?? .signaling
        guard phase == .connected else { return phase.waitingFor }
        if let ch = channels.first(where: { ours.contains(ObjectIdentifier($0)) && $0.readyState == .connecting }) {
            return "the peer to acknowledge channel '\(ch.label)' (DCEP)"
        }
        return "the peer to open a channel (DCEP)"
    }

    // MARK: - Setup (loop thread)

    private func makePeerConnection(_ configuration: PeerConnection.Configuration) -> PeerConnection? {
        do {
            let pc = try PeerConnection(loop: loop, configuration: configuration)
            if !self.configuration.media.isEmpty {
                let media = SessionMedia(options: self.configuration, loop: loop) { [weak self] e in self?.emit(e) }
                media.prepare(pc)
                media.onFatal = { [weak self] e in self?.finish(e) }
                self.media = media
            }
            pc.onStateChange = { [weak self, weak pc] state in
                guard let self, let pc else { return }
                self.emit(.state(state))
                if state == .connected {
                    self.connected(pc)
                } else if state == .failed {
                    self.finish(.failure(pc.failureReason ?? "connection failed"))
                } else if state == .disconnected {
                    // The peer closed its connection (DTLS close_notify or SCTP shutdown): a normal end.
                    self.peerGone()
                }
            }
            pc.onDataChannel = { [weak self] ch in self?.attach(ch, ours: false) }
            pc.onICEConnectionStateChange = { [weak self] s in self?.iceStateChanged(s) }
            if trickling {
                pc.onLocalCandidate = { [weak self] c in
                    guard let self else { return }
                    if c == nil && self.holdEndForAnswer {
                        self.endHeld = true  // the answer may name servers to gather on first
                        return
                    }
                    let m: SignalingMessage = c.map { .candidate($0) } ?? .endOfCandidates
                    if let link = self.link { link.send(m) } else { self.onEvent(.signal(m.json())) }
                }
            }
            self.pc = pc
            return pc
        } catch {
            finish(.failure("\(error)"))
            return nil
        }
    }

    // MARK: - STUN/TURN servers named with the answer (RFC 9725 §4.6: a WHIP 201's Link headers)

    /// Trickling to a link whose answer may name servers: our end-of-candidates waits for it.
    private var holdEndForAnswer = false
    private var endHeld = false

    /// The answer is applied: servers it named that we can use are added to the connection,
    /// gathered on now when trickling (their candidates, then the held end, follow by PATCH),
    /// else kept for the next ICE restart, which gathers on every server.
    private func useAnswerICEServers(_ pc: PeerConnection) {
        guard let link else { return }
        let named = link.answerICEServers
        var found = PeerConnection.Configuration()
        if !named.isEmpty {
            found.adopt(named, log: configuration.verbose ? { [self] line in emit(.notice(line)) } : nil)
        }
        let holding = holdEndForAnswer
        holdEndForAnswer = false
        if configuration.trickle {
            let gathering = !named.isEmpty && pc.addICEServers(stun: found.stunServers, turn: found.turnServers, gather: true)
            // Otherwise nothing new comes: the end held back goes now.
            if holding && endHeld && !gathering { link.send(.endOfCandidates) }
        } else if !named.isEmpty {
            pc.addICEServers(stun: found.stunServers, turn: found.turnServers, gather: false)
        }
        endHeld = false
    }

    /// The answer to our ICE restart named servers anew (a TURN server with new credentials,
    /// RFC 9725 §4.6): trickling, they are gathered on now (an allocation made with old
    /// credentials is released and made anew), else they serve from the next restart.
    private func useRestartICEServers(_ pc: PeerConnection) {
        guard let link else { return }
        let named = link.answerICEServers
        guard !named.isEmpty else { return }
        var found = PeerConnection.Configuration()
        found.adopt(named, log: configuration.verbose ? { [self] line in emit(.notice(line)) } : nil)
        pc.addICEServers(stun: found.stunServers, turn: found.turnServers, gather: configuration.trickle)
    }

    /// How long a description or restart reply that carries all our candidates (no trickle)
    /// waits for server-reflexive and relayed ones before it goes without the missing ones: a
    /// STUN server that never answers holds gathering up for ~30 s, and the peer's signaling
    /// waits for us meanwhile (a WHIP client 10 s by default). Working servers answer in
    /// milliseconds.
    static let gatheringWait: Duration = .seconds(4)

    /// Runs `body` at once when `orNow`, else once gathering is complete or `gatheringWait` has
    /// passed, whichever comes first.
    private func whenGathered(_ pc: PeerConnection, orNow: Bool = false, _ body: @escaping () -> Void) {
        if orNow || pc.isGatheringComplete { return body() }
        var done = false
        let once = {
            guard !done else { return }
            done = true
            body()
        }
        // Cancelled when gathering completes first: it would keep `body` (and what it holds) 4 s.
        let bound = loop.schedule(in: Self.gatheringWait, once)
        pc.whenGatheringComplete {
            bound.cancel()
            once()
        }
    }

    // MARK: - ICE restart (RFC 8445 §9), where the signaling carries it (WHIP/WHEP PATCH)

    private var restartingICE = false

    /// The peer sent new ICE parameters: restart ours and answer with them. Without trickle our
    /// reply waits for gathering (a WHIP endpoint can trickle only to a client that asked),
    /// bounded.
    private func peerRestartsICE(_ theirs: PeerConnection.ICEParameters,
                                 reply: @escaping @Sendable (PeerConnection.ICEParameters?) -> Void) {
        guard let pc else { return reply(nil) }
        do {
            let ours = try pc.restartICE()
            try pc.setRemoteICEParameters(theirs)
            emit(.iceRestarted(localUfrag: ours.ufrag, remoteUfrag: theirs.ufrag))
            if trickling { return reply(ours) }
            whenGathered(pc) { [weak pc] in reply(pc?.localICEParameters) }
        } catch {
            emit(.notice("ICE restart asked for by the peer failed: \(error)"))
            reply(nil)
        }
    }

    /// Restarts ICE now (`RTCPeerConnection.restartIce`): new credentials go to the peer through
    /// the signaling link, which must carry restarts (WHIP/WHEP: `SignalingLink.canRequestICERestart`).
    /// Data keeps flowing on the current path until the new one is selected. Any thread; an
    /// `.iceRestarted` event reports success, a `.notice` why it could not happen.
    public func restartICE() {
        loop.execute { [self] in startICERestart(because: "asked for") }
    }

    /// The path went silent (no consent answers): where the signaling can carry it, restart ICE
    /// with new credentials, as browsers' applications do on `disconnected`.
    private func iceStateChanged(_ state: ICEConnectionState) {
        guard state == .disconnected, let link, link.canRequestICERestart else { return }
        startICERestart(because: "ICE disconnected")
    }

    /// One restart at a time.
    private func startICERestart(because reason: String) {
        guard !restartingICE, let pc else { return }
        guard let link, link.canRequestICERestart else {
            return emit(.notice("cannot restart ICE: the signaling carries no ICE restart (WHIP/WHEP with PATCH does)"))
        }
        let fresh: PeerConnection.ICEParameters
        do { fresh = try pc.restartICE() } catch { return emit(.notice("\(error)")) }
        restartingICE = true
        if configuration.verbose { emit(.notice("\(reason): restarting ICE (new ufrag \(fresh.ufrag))")) }
        // Trickling, the new server-reflexive and relayed candidates follow the request;
        // otherwise it carries them all (bounded wait).
        if configuration.trickle {
            requestICERestart(fresh, over: link)
        } else {
            whenGathered(pc) { [self, weak pc] in
                guard let pc else { return }
                requestICERestart(pc.localICEParameters, over: link)
            }
        }
    }

    private func requestICERestart(_ ours: PeerConnection.ICEParameters, over link: SignalingLink) {
        link.requestICERestart(ours) { [self] theirs in
            loop.execute { [self] in
                restartingICE = false
                guard let pc = self.pc else { return }
                guard let theirs else { return emit(.notice("ICE restart: the peer gave no new parameters")) }
                do {
                    try pc.setRemoteICEParameters(theirs)
                    emit(.iceRestarted(localUfrag: ours.ufrag, remoteUfrag: theirs.ufrag))
                } catch {
                    emit(.notice("ICE restart: \(error)"))
                }
                useRestartICEServers(pc)
            }
        }
    }

    private func startOffer(_ configuration: PeerConnection.Configuration) {
        guard let pc = makePeerConnection(configuration) else { return }
        holdEndForAnswer = self.configuration.trickle && link?.answerMayNameICEServers == true
        whenGathered(pc, orNow: self.configuration.trickle) { [self] in
            // Gathered already (no server): the end is not in the offer but held for the answer.
            if holdEndForAnswer && pc.isGatheringComplete { endHeld = true }
            sendDescription(pc.createOffer(endOfCandidates: !holdEndForAnswer))
            if let file = self.configuration.remoteFile {
                readRemoteFile(file)
            }
        }
    }

    /// Reads the remote file off the loop thread (opening a fifo blocks until it has a writer),
    /// then applies it on the loop.
    private func readRemoteFile(_ file: String) {
        startThread(name: "rtc-remote") { [self] in
            guard let text = readWholeFile(file) else {
                finish(.badInput("cannot read --remote file \(file)"))
                return
            }
            let trimmed = text.trimmingWhitespace()
            loop.execute { [self] in
                setPhase(.connecting)
                applyRemote(trimmed)
            }
        }
    }

    private func startAnswer(_ configuration: PeerConnection.Configuration, offerText: String) {
        guard let pc = pc ?? makePeerConnection(configuration), applyRemote(offerText) else { return }
        whenGathered(pc, orNow: trickling) { [self] in
            do {
                sendDescription(try pc.createAnswer())
            } catch {
                finish(.badInput("\(error)"))
            }
        }
    }

    private func sendDescription(_ d: SessionDescriptionInit) {
        if let link {
            link.send(.description(d))
        } else {
            let line = SignalingMessage.description(d).json()
            onEvent(.signal(configuration.compact ? CompactToken.encode(line) : line))
        }
        descriptionSent = true
        let held = heldEvents
        heldEvents.removeAll()
        for e in held { emit(e) }
    }

    private func phaseNow() -> Phase { gate.withLock { phase } }

    private var isFinished: Bool { gate.withLock { finished } }

    /// A message from the signaling link (any thread).
    private func linkMessage(_ m: SignalingMessage) {
        switch m {
        case .description:
            guard phaseNow() == .awaitingRemote else { return }
            setPhase(.connecting)
            let configuration = gate.withLock { pcConfiguration }
            let text = m.json()
            if role == .answer {
                loop.execute { [self] in startAnswer(configuration, offerText: text) }
            } else {
                loop.execute { [self] in
                    if applyRemote(text), let pc { useAnswerICEServers(pc) }
                }
            }
        case let .candidate(c):
            loop.execute { [self] in
                do { try pc?.addRemoteCandidate(c) } catch { Log.warn("ignored candidate: \(error)") }
            }
        case .endOfCandidates:
            loop.execute { [self] in try? pc?.addRemoteCandidate(nil) }
        case .bye:
            loop.execute { [self] in
                if !openOrder.isEmpty || opened { peerGone() } else {
                    finish(.unreachable("the peer said bye before a channel opened"))
                }
            }
        }
    }

    /// Parses and applies the remote description; false (and the session ends) on bad input.
    @discardableResult
    private func applyRemote(_ text: String) -> Bool {
        guard let pc else { return false }
        do {
            let message = try SignalingMessage.parse(text)
            guard case let .description(d) = message else {
                throw SignalingError.malformed("expected a session description, got \(text.prefix(40))")
            }
            let expected: SDPType = role == .offer ? .answer : .offer
            guard d.type == expected else {
                throw SignalingError.malformed("expected an \(expected.rawValue), got an \(d.type.rawValue)")
            }
            try pc.setRemoteDescription(d)
        } catch {
            finish(.badInput("bad remote description: \(error)"))
            return false
        }
        // Our channels' DCEP OPENs go out once SCTP is up.
        let specs = pc.hasDataChannel ? configuration.channels : []  // none in a media-only session
        for spec in specs {
            do {
                attach(try pc.createDataChannel(label: spec.label, options: spec.options), ours: true)
            } catch {
                finish(.failure("cannot open channel '\(spec.label)': \(error)"))
                return false
            }
        }
        return true
    }

    /// Every layer is up: media starts; a session without a data channel is set up now.
    private func connected(_ pc: PeerConnection) {
        do {
            try media?.start()
        } catch let e as SessionError {
            return finish(e)
        } catch {
            return finish(.failure("\(error)"))
        }
        if !pc.hasDataChannel && !opened {
            opened = true
            setPhase(.open)
            drainAsyncSends()
            if inputFinished { endSession() }
        }
    }

    // MARK: - Channels (loop thread)

    private func attach(_ ch: DataChannel, ours isOurs: Bool) {
        channels.append(ch)
        if isOurs { ours.insert(ObjectIdentifier(ch)) }
        ch.bufferedAmountLowThreshold = highWater / 4
        ch.onOpen = { [weak self, weak ch] in
            guard let self, let ch else { return }
            self.openOrder.append(ch)
            self.emit(.open(label: ch.label, id: ch.id))
            self.checkSetup()
            self.drainAsyncSends()
            if self.inputFinished { self.drainThenClose() }
        }
        ch.onMessage = { [weak self, weak ch] message in
            guard let self, let ch else { return }
            self.emit(.message(label: ch.label, id: ch.id, message))
        }
        ch.onBufferedAmountLow = { [weak self] in
            self?.wakeSenders()
            self?.drainAsyncSends()
        }
        ch.onClose = { [weak self, weak ch] in
            guard let self, let ch else { return }
            self.channelClosed(ch)
        }
    }

    /// Setup is done when no channel of ours is still connecting and one channel is open.
    private func checkSetup() {
        guard !opened, !openOrder.isEmpty else { return }
        guard !channels.contains(where: { ours.contains(ObjectIdentifier($0)) && $0.readyState == .connecting })
        else { return }
        opened = true
        setPhase(.open)
    }

    private func channelClosed(_ ch: DataChannel) {
        reportClose(ch)
        openOrder.removeAll { $0 === ch }
        checkSetup()
        if channels.allSatisfy({ $0.readyState == .closed }) { endSession() }
    }

    private func reportClose(_ ch: DataChannel) {
        guard closeReported.insert(ObjectIdentifier(ch)).inserted else { return }
        emit(.close(label: ch.label, id: ch.id))
    }

    /// The peer closed the connection (or said bye): every channel is gone, a normal end.
    private func peerGone() {
        for ch in channels { reportClose(ch) }
        endSession()
    }

    private func endSession() {
        guard !sessionClosed else { return }
        sessionClosed = true
        setPhase(.closed)
        closePeerAndFinish(nil)
    }

    /// A message that could not go out: the session goes on.
    private func reportError(label: String?, _ reason: String) {
        emit(.sendError(label: label, reason: reason))
    }

    /// Loop thread: events wait until our description is out.
    private func emit(_ e: SessionEvent) {
        guard descriptionSent else {
            heldEvents.append(e)
            return
        }
        onEvent(e)
    }

    private func closePeerAndFinish(_ error: SessionError?) {
        media?.close()
        link?.send(.bye)
        link?.close()
        // A WHIP/WHEP session ends with its DELETE, before the connection closes (run() sends
        // it, then closes): the endpoint hears the end from its own protocol first.
        if link?.releasesSession != true { pc?.close() }
        finish(error)
    }

    /// Input ended: once everything queued has left, close every channel; the peer's reset
    /// acknowledgements (onClose) end the session, or 2 s without them.
    private func inputEnded() {
        inputFinished = true
        drainThenClose()
    }

    private func drainThenClose() {
        guard inputFinished, !closing else { return }
        let open = channels.filter { $0.readyState == .open }
        guard !open.isEmpty else {
            // Media only: the input's end is the session's.
            if channels.isEmpty && media?.started == true { endSession() }
            return
        }
        if open.contains(where: { $0.bufferedAmount > 0 }) || !asyncSends.isEmpty {
            loop.schedule(in: .milliseconds(5)) { [weak self] in self?.drainThenClose() }
            return
        }
        for ch in open { ch.close() }
        // A peer that never resets its side of a stream (Janus does not for stream 0) must not
        // keep us waiting: after 2 s, as on an interrupt, the session ends anyway.
        loop.schedule(in: .seconds(2)) { [weak self] in
            guard let self, !self.sessionClosed else { return }
            Log.debug("peer did not finish closing every channel within 2 s; ending the session", "datachannel")
            for ch in self.channels { self.reportClose(ch) }
            self.endSession()
        }
    }

    /// The channel unlabelled input goes to, or the one `label`/`id` names (open ones only).
    private func target(label: String?, id: Int?) -> DataChannel? {
        if let id { return openOrder.first { Int($0.id) == id } }
        if let label { return openOrder.first { $0.label == label } }
        return openOrder.first
    }

    // MARK: - Input (any thread but the loop's)

    /// Guarded by `gate`: the peer connection's configuration, once known.
    private var pcConfiguration = PeerConnection.Configuration()

    /// Whether signaling is the application's (no link, no remote file).
    private var appSignaling: Bool { configuration.remoteFile == nil && link == nil }

    /// What `input(line:)` did with a line.
    public enum LineUse {
        /// It was signaling (the peer's description, or a trickled candidate) or blank.
        case signaling
        /// It is data: send it (`send`) once `waitForOpen` returns true.
        case data
    }

    /// A line from a line-oriented application whose signaling shares the stream with data
    /// (stdin): while the peer's description is awaited, the first non-blank line is it; until
    /// the channels are open, candidate lines are signaling too. Blocks nothing.
    public func input(line: String) -> LineUse {
        let current = phaseNow()
        if current == .awaitingRemote && appSignaling {
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { return .signaling }
            setPhase(.connecting)
            let configuration = gate.withLock { pcConfiguration }
            if role == .answer {
                loop.execute { [self] in startAnswer(configuration, offerText: trimmed) }
            } else {
                loop.execute { [self] in applyRemote(trimmed) }
            }
            return .signaling
        }
        if current != .open, link == nil, line.hasPrefix("{"), line.containsText("\"candidate\""),
           let message = try? SignalingMessage.parse(line) {
            switch message {
            case let .candidate(c):
                loop.execute { [self] in
                    do { try pc?.addRemoteCandidate(c) } catch { Log.warn("ignored candidate: \(error)") }
                }
                return .signaling
            case .endOfCandidates:
                loop.execute { [self] in try? pc?.addRemoteCandidate(nil) }
                return .signaling
            default:
                break
            }
        }
        return .data
    }

    /// The application has nothing more to send: every channel closes once its data is out.
    /// Blocks until setup is done (or the session ended). Returns false when the session ended
    /// first, so a server can hand the end to the next session.
    /// - Throws: nothing; a session still awaiting the peer's description from the
    ///   application's own signaling ends with `SessionError.badInput`.
    @discardableResult
    public func endInput() -> Bool {
        if phaseNow() == .awaitingRemote && appSignaling {
            finish(.badInput("stdin closed before the remote description arrived"))
            return true
        }
        let opened = waitForOpen()
        loop.execute { [self] in inputEnded() }
        return opened
    }

    /// Sends `message` on the channel `label` or `id` names (the first channel that opened when
    /// neither), waiting until setup is done and while the channels hold more than `highWater`
    /// bytes. A channel that is not open, or a message over the peer's limit, is reported as
    /// `SessionEvent.sendError`; the session goes on. Returns false when the session ended
    /// before the message could be taken.
    @discardableResult
    public func sendBlocking(_ message: DataChannelMessage, label: String? = nil, id: Int? = nil) -> Bool {
        guard waitForOpen() else { return false }
        let size = message.byteCount
        gate.lock()
        while queuedBytes + channelBuffered > highWater && !finished { gate.wait() }
        if finished {
            gate.unlock()
            return false
        }
        queuedBytes += size
        gate.unlock()
        loop.execute { [self] in
            defer { updateQueued(minus: size) }
            deliver(message, label: label, id: id)
        }
        return true
    }

    /// Loop thread: hands one message to its channel.
    private func deliver(_ message: DataChannelMessage, label: String?, id: Int?) {
        guard let ch = target(label: label, id: id) else {
            let which = id.map { "id \($0)" } ?? label.map { "label '\($0)'" }
            reportError(label: label, which.map { "no open channel with \($0)" } ?? "no open channel")
            return
        }
        do {
            switch message {
            case let .text(t): try ch.send(text: t)
            case let .binary(b): try ch.send(binary: b)
            }
        } catch DataChannelError.messageTooLarge(let size, let limit) {
            // The message's problem, not the session's (RFC 8841 §6): nothing is sent.
            reportError(label: ch.label,
                        "message of \(size) bytes is larger than the peer's limit of \(limit) (a=max-message-size); not sent")
        } catch {
            finish(.failure("send failed: \(error)"))
        }
    }

    /// Like `endInput`, without waiting: channels close once setup is done and their data is out.
    public func closeChannels() {
        loop.execute { [self] in inputEnded() }
    }

    /// Blocks until setup is done; false if the session ended first.
    @discardableResult
    public func waitForOpen() -> Bool {
        gate.lock()
        defer { gate.unlock() }
        while phase != .open && phase != .closed && !finished { gate.wait() }
        return phase == .open && !finished
    }

    private func updateQueued(minus size: Int) {
        let buffered = largestBuffered()
        gate.lock()
        queuedBytes -= size
        channelBuffered = buffered
        gate.broadcast()
        gate.unlock()
    }

    /// Senders wait on the fullest channel: each channel above the low threshold fires
    /// `onBufferedAmountLow` as it drains, so the wait always ends.
    private func largestBuffered() -> Int {
        channels.lazy.filter { $0.readyState == .open }.map(\.bufferedAmount).max() ?? 0
    }

    private func wakeSenders() {
        let buffered = largestBuffered()
        gate.lock()
        channelBuffered = buffered
        gate.broadcast()
        gate.unlock()
    }

    private func setPhase(_ p: Phase) {
        gate.lock()
        phase = p
        gate.broadcast()
        gate.unlock()
    }

    // MARK: - Async sends (loop thread)

    struct AsyncSend {
        let message: DataChannelMessage
        let label: String?
        let id: Int?
        let done: @Sendable (Bool) -> Void
    }

    /// Queues an async send; it goes out once setup is done and the channels are below the high
    /// water mark.
    func enqueueAsync(_ send: AsyncSend) {
        loop.execute { [self] in
            if isFinished || sessionClosed {
                send.done(false)
                return
            }
            asyncSends.append(send)
            drainAsyncSends()
        }
    }

    private func drainAsyncSends() {
        guard opened, !asyncSends.isEmpty else { return }
        while let next = asyncSends.first, largestBuffered() <= highWater {
            asyncSends.removeFirst()
            deliver(next.message, label: next.label, id: next.id)
            next.done(true)
        }
    }

    private func failAsyncSends() {
        let waiting = asyncSends
        asyncSends.removeAll()
        for s in waiting { s.done(false) }
    }

    // MARK: - Ending

    /// Ends the session once with `error` (nil: cleanly). Any thread.
    public func finish(_ error: SessionError?) {
        gate.lock()
        guard !finished else {
            gate.unlock()
            return
        }
        finished = true
        outcome = error
        gate.broadcast()
        gate.unlock()
        loop.execute { [self] in failAsyncSends() }
    }

    /// Ends the session as an interrupt asks (any thread): open channels close gracefully
    /// (a clean end); media flowing without channels stops cleanly; otherwise the session
    /// ends with `SessionError.interrupted(signal:)`.
    public func interrupt(signal: Int32) {
        loop.execute { [self] in
            let open = channels.filter { $0.readyState == .open }
            if media?.started == true && open.isEmpty {
                closePeerAndFinish(nil)  // media flowing: an interrupt is the normal way to stop
            } else if !open.isEmpty, !closing {
                closing = true
                for ch in open { ch.close() }
                loop.schedule(in: .seconds(2)) { [self] in closePeerAndFinish(nil) }
            } else {
                closePeerAndFinish(.interrupted(signal: signal))
            }
        }
    }
}

extension DataChannelMessage {
    /// Payload size in bytes.
    var byteCount: Int {
        switch self {
        case let .text(t): t.utf8.count
        case let .binary(b): b.count
        }
    }
}
