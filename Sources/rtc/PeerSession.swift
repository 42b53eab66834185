import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling

/// Runs one peer for `rtc offer` / `rtc answer`: signaling on stdio, then stdin lines out as
/// messages and received messages to stdout, until either side closes.
///
/// Several channels: we open the `--label` channel (offerer, or both with `--id`) and every
/// `--open` one; each channel the peer opens is reported too. Events name `label` and `id`;
/// an input object with `"label"` (or `"id"`) goes to that channel, anything else to the first
/// channel that opened. Setup is done (and the connect timeout stops) when every channel we
/// open is open, or, when we open none, when the peer opened one. EOF on stdin closes every
/// channel once what is queued has left; the session ends when all channels are closed or the
/// peer goes away.
///
/// The stack runs on its own event-loop thread; stdin is read on another thread that hands
/// lines over and waits when a channel's buffer is full, so memory stays bounded.
final class PeerSession: @unchecked Sendable {
    enum Role { case offer, answer }

    let role: Role
    let peer: PeerOptions
    let channelOptions: ChannelOptions
    let json: Bool
    let mediaOptions: MediaOptions
    /// Sources, sinks and events of the media sections (loop thread).
    private var media: SessionMedia?
    /// Signaling off stdio (`--signal`): descriptions and candidates go over this link and
    /// stdin/stdout carry data only.
    var signalURL: SignalURL = .stdio
    /// `--token` and `--signal-timeout` for a WHIP/WHEP `signalURL`.
    var signalSettings = HTTPSignalSettings()
    /// Set by `PeerServer`: this session's link, already accepted. The server then owns stdin
    /// (it hands lines to `stdinLine`), stdout's closing and SIGINT/SIGTERM.
    var servedLink: SignalingLink? {
        didSet { link = servedLink }
    }
    private var link: SignalingLink?
    let loop = PollEventLoop()
    let out: StdoutWriter

    // Loop-thread state.
    private var pc: PeerConnection?
    /// Every channel of the session, ours and the peer's, in the order they appeared.
    private var channels: [DataChannel] = []
    /// The channels we create (by identity), whose opening the connect timeout covers.
    private var ours: Set<ObjectIdentifier> = []
    /// Channels in the order they opened: the first open one takes unlabelled input.
    private var openOrder: [DataChannel] = []
    private var closeReported: Set<ObjectIdentifier> = []
    private var stdinFinished = false
    /// Events wait until our description is out: it must be the first line a peer reads.
    private var descriptionPrinted = false
    private var heldEvents: [[String: JSONValue]] = []
    private var closing = false
    /// Setup is done (the connect timeout no longer applies).
    private var opened = false
    private var sessionClosed = false

    // Shared with the stdin thread, guarded by `gate`.
    private let gate = Condition()
    private var phase = Phase.awaitingRemote
    private var queuedBytes = 0
    /// The largest bufferedAmount among the channels, as last seen on the loop.
    private var channelBuffered = 0
    private var finished = false
    private var exitStatus: Int32 = 0

    /// Bytes allowed in flight between stdin and the wire before the reader waits.
    private let highWater = 4 << 20

    private enum Phase { case awaitingRemote, connecting, open, closed }

    init(role: Role, peer: PeerOptions, channel: ChannelOptions, media: MediaOptions = MediaOptions(), json: Bool,
         out: StdoutWriter = StdoutWriter()) {
        self.out = out
        mediaOptions = media
        self.role = role
        self.peer = peer
        self.channelOptions = channel
        self.json = json
    }

    /// Runs until the session ends; returns the exit status.
    func run() -> Int32 {
        if peer.verbose { Log.level = .debug }
        let served = servedLink != nil
        if !served {
            out.onClosed = { [self] in finish(0, nil) }
            installSignalHandlers()
        }
        loop.start()

        var settings: PeerConnection.Configuration
        do {
            settings = try peer.configuration()
            settings.dataChannel = !mediaOptions.noDataChannel
        } catch let e as CLIError {
            return fail(e)
        } catch {
            return fail(CLIError(.failure, "\(error)"))
        }
        // The answerer makes its connection (certificate, sockets, gathering) while the offer is
        // still on its way, as the offerer does before printing its offer: that work then no
        // longer sits between the offer and the answer (issue 12: rtc<->rtc setup). With
        // trickle it waits for the offer, so no candidate can go out before the answer.
        if role == .answer && !peer.trickle {
            let early = settings
            loop.execute { [self] in if pc == nil { _ = makePeerConnection(early) } }
        }
        // Then the link, before the offerer's connection: a WHIP/WHEP endpoint may name STUN/TURN
        // servers, used when the user gave none (RFC 9725 §4.6).
        var connected: SignalingLink?
        if !signalURL.isStdio {
            do {
                let link = try servedLink ?? SignalingConnector.connectOne(signalURL, out: out, peer: peer, latch: ExitLatch(),
                                                                           http: signalSettings)
                connected = link
                if !link.iceServers.isEmpty {
                    settings.adopt(link.iceServers, log: peer.verbose ? { printError("rtc: " + $0) } : nil)
                }
            } catch let e as CLIError {
                return fail(e)
            } catch {
                return fail(CLIError(.failure, "\(error)"))
            }
        }
        let configuration = settings

        if let link = connected {
            self.link = link
            link.start(onMessage: { [self] m in linkMessage(m, configuration: configuration) },
                       onEnd: { [self] e in
                           if let failure = link.failure {
                               finish(CLIError(failure).status.rawValue, failure.message)
                           } else if let e, case .malformed = e {
                               finish(ExitStatus.dataError.rawValue, "bad signaling message: \(e)")
                           } else if phaseNow() == .awaitingRemote {
                               finish(ExitStatus.unavailable.rawValue, "signaling closed before the peer's description arrived")
                           }
                       })
            if role == .offer { loop.execute { self.startOffer(configuration) } }
        } else if let file = peer.remote, role == .answer {
            guard let text = readWholeFile(file) else {
                return fail(CLIError(.dataError, "cannot read --remote file \(file)"))
            }
            loop.execute { self.startAnswer(configuration, offerText: text) }
        } else if role == .offer {
            // The answer can only exist once our offer is out, so the offerer reads --remote
            // after printing the offer (startOffer), e.g. from a fifo the answer is written to.
            loop.execute { self.startOffer(configuration) }
        }
        self.configuration = configuration
        if !served {
            StdinLines.start(onError: { [self] in finish(ExitStatus.dataError.rawValue, $0) }) { [self] line in
                _ = stdinLine(line)
            }
        }

        loop.execute { [self] in
            loop.schedule(in: .milliseconds(Int64(peer.connectTimeout * 1000))) { [self] in
                // --connect-timeout covers the whole way to an open channel: ICE, DTLS, SCTP, DCEP.
                if !opened && !finished {
                    finish(ExitStatus.timeout.rawValue, "timed out after \(peer.connectTimeout) s waiting for \(awaited())")
                }
            }
        }

        gate.lock()
        while !finished { gate.wait() }
        let status = exitStatus
        gate.unlock()
        // A WHIP/WHEP resource is DELETEd whatever ended the session (bounded wait).
        link?.release()
        // Tell the peer we are going (whatever ended the session), and stop the loop thread
        // before the process exits: exit-time cleanup of OpenSSL racing a STUN HMAC on the
        // loop crashed rtc ("OpenSSL HMAC failed", SIGILL) when its stdout was closed.
        loop.stopAndWait { [self] in
            media?.close()  // files get their last frames and final headers
            pc?.close()
        }
        return status
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

    private func fail(_ e: CLIError) -> Int32 {
        printError("rtc: " + e.message)
        return e.status.rawValue
    }

    // MARK: - Setup (loop thread)

    private func makePeerConnection(_ configuration: PeerConnection.Configuration) -> PeerConnection? {
        do {
            let pc = try PeerConnection(loop: loop, configuration: configuration)
            if mediaOptions.isEnabled {
                let media = SessionMedia(options: mediaOptions, loop: loop) { [weak self] e in self?.event(e) }
                media.prepare(pc)
                media.onFatal = { [weak self] e in self?.finish(e.status.rawValue, e.message) }
                self.media = media
            }
            pc.onStateChange = { [weak self, weak pc] state in
                guard let self, let pc else { return }
                self.event(["type": "state", "state": .string(state.rawValue)])
                if state == .connected {
                    self.connected(pc)
                } else if state == .failed {
                    self.finish(ExitStatus.failure.rawValue, pc.failureReason ?? "connection failed")
                } else if state == .disconnected {
                    // The peer closed its connection (DTLS close_notify or SCTP shutdown): a normal end.
                    self.peerGone()
                }
            }
            pc.onDataChannel = { [weak self] ch in self?.attach(ch, ours: false) }
            if peer.trickle {
                pc.onLocalCandidate = { [weak self] c in
                    guard let self else { return }
                    let m: SignalingMessage = c.map { .candidate($0) } ?? .endOfCandidates
                    if let link = self.link { link.send(m) } else { self.out.writeLine(m.json()) }
                }
            }
            self.pc = pc
            return pc
        } catch {
            finish(ExitStatus.failure.rawValue, "\(error)")
            return nil
        }
    }

    private func startOffer(_ configuration: PeerConnection.Configuration) {
        guard let pc = makePeerConnection(configuration) else { return }
        pc.whenGatheringComplete(orNow: peer.trickle) { [self] in
            printDescription(pc.createOffer())
            if let file = peer.remote {
                readRemoteFile(file)
            }
        }
    }

    /// Reads `--remote FILE` off the loop thread (opening a fifo blocks until it has a writer),
    /// then applies it on the loop.
    private func readRemoteFile(_ file: String) {
        startThread(name: "rtc-remote") { [self] in
            guard let text = readWholeFile(file) else {
                finish(ExitStatus.dataError.rawValue, "cannot read --remote file \(file)")
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
        pc.whenGatheringComplete(orNow: peer.trickle) { [self] in
            do {
                printDescription(try pc.createAnswer())
            } catch {
                finish(ExitStatus.dataError.rawValue, "\(error)")
            }
        }
    }

    private func printDescription(_ d: SessionDescriptionInit) {
        if let link {
            link.send(.description(d))
        } else {
            let line = SignalingMessage.description(d).json()
            out.writeLine(peer.compact ? CompactToken.encode(line) : line)
        }
        descriptionPrinted = true
        let held = heldEvents
        heldEvents.removeAll()
        for e in held { event(e) }
    }

    private func phaseNow() -> Phase {
        gate.lock()
        defer { gate.unlock() }
        return phase
    }

    /// A message from the signaling link (any thread).
    private func linkMessage(_ m: SignalingMessage, configuration: PeerConnection.Configuration) {
        switch m {
        case .description:
            guard phaseNow() == .awaitingRemote else { return }
            setPhase(.connecting)
            let text = m.json()
            if role == .answer {
                loop.execute { [self] in startAnswer(configuration, offerText: text) }
            } else {
                loop.execute { [self] in applyRemote(text) }
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
                    finish(ExitStatus.unavailable.rawValue, "the peer said bye before a channel opened")
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
            finish(ExitStatus.dataError.rawValue, "bad remote description: \(error)")
            return false
        }
        // The offerer opens --label (with --id both sides open that negotiated one), and either
        // side every --open channel; their DCEP OPENs go out once SCTP is up.
        var specs = channelOptions.openSpecs
        if role == .offer || channelOptions.id != nil { specs.insert(channelOptions.labelSpec, at: 0) }
        if !pc.hasDataChannel { specs.removeAll() }  // a media-only session
        for spec in specs {
            do {
                attach(try pc.createDataChannel(label: spec.label, options: spec.options), ours: true)
            } catch {
                finish(ExitStatus.failure.rawValue, "cannot open channel '\(spec.label)': \(error)")
                return false
            }
        }
        return true
    }

    /// Every layer is up: media starts; a session without a data channel is set up now.
    private func connected(_ pc: PeerConnection) {
        do {
            try media?.start()
        } catch let e as CLIError {
            return finish(e.status.rawValue, e.message)
        } catch {
            return finish(ExitStatus.failure.rawValue, "\(error)")
        }
        if !pc.hasDataChannel && !opened {
            opened = true
            setPhase(.open)
            if stdinFinished { endSession() }
        }
    }

    // MARK: - Channel (loop thread)

    private func attach(_ ch: DataChannel, ours isOurs: Bool) {
        channels.append(ch)
        if isOurs { ours.insert(ObjectIdentifier(ch)) }
        ch.bufferedAmountLowThreshold = highWater / 4
        ch.onOpen = { [weak self, weak ch] in
            guard let self, let ch else { return }
            self.openOrder.append(ch)
            self.event(["type": "open", "label": .string(ch.label), "id": .int(Int(ch.id))])
            self.checkSetup()
            if self.stdinFinished { self.drainThenClose() }
        }
        ch.onMessage = { [weak self, weak ch] message in
            guard let self, let ch else { return }
            self.deliver(message, on: ch)
        }
        ch.onBufferedAmountLow = { [weak self] in self?.wakeReader() }
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
        event(["type": "close", "label": .string(ch.label), "id": .int(Int(ch.id))])
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
        closePeerAndFinish(0)
    }

    private func deliver(_ message: DataChannelMessage, on ch: DataChannel) {
        switch message {
        case let .text(s):
            if json {
                event(["type": "message", "label": .string(ch.label), "id": .int(Int(ch.id)), "data": .string(s)])
            } else {
                out.writeLine(s)
            }
        case let .binary(b):
            if json {
                event(["type": "message", "label": .string(ch.label), "id": .int(Int(ch.id)), "binary": true,
                       "data": .string(Data(b).base64EncodedString())])
            } else {
                out.write(b + [0x0A])
            }
        }
    }

    /// A message that could not go out: one line on stderr and, with --json, an error event.
    /// The session goes on.
    private func reportError(label: String?, _ reason: String) {
        printError("rtc: " + (label.map { "channel '\($0)': " } ?? "") + reason)
        var e: [String: JSONValue] = ["type": "error", "reason": .string(reason)]
        if let label { e["label"] = .string(label) }
        event(e)
    }

    private func event(_ object: [String: JSONValue]) {
        guard json else { return }
        guard descriptionPrinted else {
            heldEvents.append(object)
            return
        }
        out.writeLine(JSONValue.object(object).jsonText)
    }

    private func closePeerAndFinish(_ status: Int32) {
        media?.close()
        link?.send(.bye)
        link?.close()
        // A WHIP/WHEP session ends with its DELETE, before the connection closes (run() sends
        // it, then closes): the endpoint hears the end from its own protocol first.
        if link?.releasesSession != true { pc?.close() }
        finish(status, nil)
    }

    /// Stdin ended: once everything queued has left, close every channel; the peer's reset
    /// acknowledgements (onClose) end the session, or 2 s without them.
    private func stdinEnded() {
        stdinFinished = true
        drainThenClose()
    }

    private func drainThenClose() {
        guard stdinFinished, !closing else { return }
        let open = channels.filter { $0.readyState == .open }
        guard !open.isEmpty else {
            // Media only: stdin's end is the session's.
            if channels.isEmpty && media?.started == true { endSession() }
            return
        }
        if open.contains(where: { $0.bufferedAmount > 0 }) {
            loop.schedule(in: .milliseconds(5)) { [weak self] in self?.drainThenClose() }
            return
        }
        for ch in open { ch.close() }
        // A peer that never resets its side of a stream (Janus does not for stream 0) must not
        // keep us waiting: after 2 s, as on SIGINT, the session ends anyway.
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

    // MARK: - stdin thread

    private var configuration = PeerConnection.Configuration()

    /// One stdin line (nil at EOF), on the stdin thread; blocks while the channel is not open
    /// or its buffer is full. Returns false when the session ended before the line (or EOF)
    /// could be taken, so a server can hand it to the next session.
    @discardableResult
    func stdinLine(_ line: String?) -> Bool {
        gate.lock()
        let current = phase
        gate.unlock()
        guard let line else {
            if current == .awaitingRemote && peer.remote == nil && link == nil {
                finish(ExitStatus.dataError.rawValue, "stdin closed before the remote description arrived")
                return true
            }
            let opened = waitForOpen()
            loop.execute { [self] in stdinEnded() }
            return opened
        }
        if current == .awaitingRemote && peer.remote == nil && link == nil {
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty { return true }
            setPhase(.connecting)
            if role == .answer {
                loop.execute { [self] in startAnswer(configuration, offerText: trimmed) }
            } else {
                loop.execute { [self] in applyRemote(trimmed) }
            }
            return true
        }
        if current != .open, link == nil, line.hasPrefix("{"), line.containsText("\"candidate\""),
           let message = try? SignalingMessage.parse(line) {
            switch message {
            case let .candidate(c):
                loop.execute { [self] in
                    do { try pc?.addRemoteCandidate(c) } catch { Log.warn("ignored candidate: \(error)") }
                }
                return true
            case .endOfCandidates:
                loop.execute { [self] in try? pc?.addRemoteCandidate(nil) }
                return true
            default:
                break
            }
        }
        guard waitForOpen() else { return false }
        let payload: DataChannelMessage
        var label: String?
        var id: Int?
        if json {
            guard let m = parseJSONMessage(line) else {
                finish(ExitStatus.dataError.rawValue, "stdin line is not a message object: \(line.prefix(60))")
                return true
            }
            (payload, label, id) = m
        } else {
            payload = .text(line)
        }
        let size: Int
        switch payload {
        case let .text(t): size = t.utf8.count
        case let .binary(b): size = b.count
        }
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
            guard let ch = target(label: label, id: id) else {
                let which = id.map { "id \($0)" } ?? label.map { "label '\($0)'" }
                reportError(label: label, which.map { "no open channel with \($0)" } ?? "no open channel")
                return
            }
            do {
                switch payload {
                case let .text(t): try ch.send(text: t)
                case let .binary(b): try ch.send(binary: b)
                }
            } catch DataChannelError.messageTooLarge(let size, let limit) {
                // The message's problem, not the session's (RFC 8841 §6): nothing is sent.
                reportError(label: ch.label,
                            "message of \(size) bytes is larger than the peer's limit of \(limit) (a=max-message-size); not sent")
            } catch {
                finish(ExitStatus.failure.rawValue, "send failed: \(error)")
            }
        }
        return true
    }

    /// `{"type":"message","data":"...","binary":true}` (binary as base64), or `{"data":"..."}`,
    /// with the channel's `"label"` or `"id"` when it is not the first one.
    private func parseJSONMessage(_ line: String) -> (DataChannelMessage, String?, Int?)? {
        guard let object = JSONValue.parseObject(line),
              let text = object["data"]?.stringValue
        else { return nil }
        let label = object["label"]?.stringValue
        let id = object["id"]?.intValue
        if (object["binary"]?.boolValue) == true {
            guard let bytes = Data(base64Encoded: text) else { return nil }
            return (.binary([UInt8](bytes)), label, id)
        }
        return (.text(text), label, id)
    }

    /// Blocks the stdin thread until the channel is open; false if the session ended first.
    @discardableResult
    private func waitForOpen() -> Bool {
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

    /// The reader waits on the fullest channel: each channel above the low threshold fires
    /// `onBufferedAmountLow` as it drains, so the wait always ends.
    private func largestBuffered() -> Int {
        channels.lazy.filter { $0.readyState == .open }.map(\.bufferedAmount).max() ?? 0
    }

    private func wakeReader() {
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

    /// Ends the session once, printing `message` (if any) as the one error line.
    func finish(_ status: Int32, _ message: String?) {
        gate.lock()
        guard !finished else {
            gate.unlock()
            return
        }
        finished = true
        exitStatus = status
        // Print before waking run(): once it returns, the process exits and a line printed
        // after the broadcast could be lost.
        if let message { printError("rtc: " + message) }
        gate.broadcast()
        gate.unlock()
    }

    private func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in interrupt(sig) }
            source.resume()
            signalSources.append(source)
        }
    }

    private var signalSources: [DispatchSourceSignal] = []

    /// SIGINT/SIGTERM (any thread): an open channel closes gracefully (status 0), otherwise the
    /// session ends with 130/143.
    func interrupt(_ sig: Int32) {
        loop.execute { [self] in
            let open = channels.filter { $0.readyState == .open }
            if media?.started == true && open.isEmpty {
                closePeerAndFinish(0)  // media flowing: an interrupt is the normal way to stop
            } else if !open.isEmpty, !closing {
                closing = true
                for ch in open { ch.close() }
                loop.schedule(in: .seconds(2)) { [self] in closePeerAndFinish(0) }
            } else {
                closePeerAndFinish(sig == SIGINT ? 130 : 143)
            }
        }
    }
}
