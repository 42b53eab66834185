import RTCCore

/// Connectivity checks, nomination and incoming STUN (RFC 8445 §7).
extension ICEAgent {
    /// Paces checks: triggered ones first, then the highest-priority waiting pair, one per Ta.
    func scheduleChecks() {
        guard checkTimer == nil || checkTimer!.isCancelled, checking else { return }
        guard remotePassword != nil else { return }
        checkTimer = loop.schedule(in: .zero) { [weak self] in self?.checkTick() }
    }

    /// Checks run until a pair is selected, and again during an ICE restart.
    private var checking: Bool {
        state == .checking || state == .connected || ((state == .completed || state == .disconnected) && previousPair != nil)
    }

    private func checkTick() {
        checkTimer = nil
        guard checking, remotePassword != nil else { return }
        let next: ICECandidatePair?
        if !triggeredQueue.isEmpty {
            next = triggeredQueue.removeFirst()
        } else if selectedPair == nil {
            next = pairs.first { $0.state == .waiting }
        } else {
            next = nil
        }
        guard let pair = next else { return }
        sendCheck(on: pair, nominating: role == .controlling && pair.nominated)
        checkTimer = loop.schedule(in: configuration.checkInterval) { [weak self] in self?.checkTick() }
    }

    func sendCheck(on pair: ICECandidatePair, nominating: Bool) {
        guard let remoteUfrag, let remotePassword else { return }
        Log.trace("check \(pair.local.address) -> \(pair.remote.address)\(nominating ? " (nominating)" : "")", "ice")
        // A pair already in the valid list stays valid while it is checked again (the
        // controlling side's nomination, RFC 8445 §8.1.1): marking it in progress left no pair
        // for `send` until the response came back, so DTLS/SCTP packets sent meanwhile were
        // dropped and setup waited for their retransmission (SCTP RTO 200 ms, DTLS 1 s).
        if pair.state != .succeeded { pair.state = .inProgress }
        let id = ICEWire.newTransactionID(rng: &rng)
        // The PRIORITY a peer-reflexive candidate of ours would get (RFC 8445 §7.1.1).
        let prflxPriority = ICECandidate.priority(kind: .prflx, localPreference: pair.local.priority >> 8 & 0xFFFF)
        let packet = ICEWire.bindingRequest(
            id: id, username: "\(remoteUfrag):\(localUfrag)", password: remotePassword,
            priority: prflxPriority, role: role, tieBreaker: tieBreaker, useCandidate: nominating)
        startTransaction(ICETransaction(
            id: id, purpose: .check(pair, nominating: nominating), packet: packet,
            destination: pair.remote.address, base: pair.base, sentAt: loop.now, rto: configuration.checkRTO))
    }

    func startTransaction(_ t: ICETransaction) {
        transactions[t.id] = t
        t.base.send(t.packet, to: t.destination)
        armRetransmit(t)
    }

    private func armRetransmit(_ t: ICETransaction) {
        t.timer = loop.schedule(in: t.rto) { [weak self, weak t] in
            guard let self, let t, self.transactions[t.id] != nil else { return }
            if t.attempts >= self.configuration.checkAttempts {
                self.transactions[t.id] = nil
                self.transactionTimedOut(t)
                return
            }
            t.attempts += 1
            t.rto = t.rto + t.rto
            t.base.send(t.packet, to: t.destination)
            self.armRetransmit(t)
        }
    }

    /// RFC 8445 §7.3.1.4 cancellation: the pair's checks in progress are not retransmitted and
    /// their silence is no failure, but a late response still counts until one more RTO passes.
    private func cancelChecks(on pair: ICECandidatePair) {
        for t in transactions.values {
            guard case let .check(p, _) = t.purpose, p === pair else { continue }
            t.timer?.cancel()
            let id = t.id
            t.timer = loop.schedule(in: t.rto) { [weak self] in self?.transactions[id] = nil }
        }
    }

    private func transactionTimedOut(_ t: ICETransaction) {
        switch t.purpose {
        case let .check(pair, _):
            if pair.state == .inProgress { pairFailed(pair) }
            updateFailure()
        case .consent:
            break  // consent expiry is judged by time since the last response, not per request
        case .serverReflexive:
            gatheringStepDone()
        }
    }

    // MARK: - Incoming

    /// Entry point for every datagram from a peer: straight from a host socket, or unwrapped
    /// by a TURN client (then `from` is the peer's address, `base` the relayed one).
    func handleDatagram(_ bytes: [UInt8], from: TransportAddress, base: ICEBase) {
        guard let first = bytes.first else { return }
        if first < 4 {
            handleSTUN(bytes, from: from, base: base)
        } else if isAuthenticated(from) {
            // RFC 7983: 20–63 DTLS, 128–191 RTP/RTCP; both go up to the secure transport.
            if let onReceive {
                onReceive(bytes)
            } else if let borrowingReceiver {
                bytes.withUnsafeBytes(borrowingReceiver)
            } else if heldPackets.count < Self.maxHeldPackets {
                heldPackets.append(bytes)
            }
        } else {
            Log.debug("dropped \(bytes.count) bytes from unauthenticated \(from)", "ice")
            droppedUnauthenticated += 1
        }
    }

    private func handleSTUN(_ bytes: [UInt8], from: TransportAddress, base: ICEBase) {
        Log.trace("STUN \(bytes.count) bytes from \(from) on \(base.candidate.address)", "ice")
        guard let message = ICEWire.decode(bytes, requireFingerprint: false), message.stun.hasValidFingerprint
                || isServerReflexiveResponse(message)
        else {
            Log.debug("dropped malformed STUN from \(from)", "ice")
            droppedUnauthenticated += 1
            return
        }
        if message.isRequest {
            handleRequest(message, from: from, base: base)
        } else if message.isResponse {
            if let t = transactions[message.transactionID] {
                handleResponse(message, transaction: t, from: from)
            } else {
                droppedUnauthenticated += 1  // answers no request of ours (stale or forged)
            }
        }
    }

    /// A response to one of our plain Binding requests to a STUN server (no FINGERPRINT needed).
    private func isServerReflexiveResponse(_ message: ICEWire.Message) -> Bool {
        guard message.isResponse, let t = transactions[message.transactionID],
              case .serverReflexive = t.purpose else { return false }
        return true
    }

    /// RFC 8445 §7.3: authenticate, resolve role conflicts, answer, and trigger a check back.
    private func handleRequest(_ message: ICEWire.Message, from: TransportAddress, base: ICEBase) {
        guard let username = message.username, username.hasPrefix(localUfrag + ":"),
              message.verifyIntegrity(password: localPassword)
        else {
            Log.debug("dropped STUN request with bad USERNAME or MESSAGE-INTEGRITY from \(from)", "ice")
            droppedUnauthenticated += 1
            if message.hasIntegrity {
                base.send(ICEWire.errorResponse(id: message.transactionID, code: 401, reason: "Unauthorized",
                                                  password: nil), to: from)
            }
            return
        }
        // Role conflict (RFC 8445 §7.3.1.1).
        if let theirs = message.iceControlling, role == .controlling {
            if tieBreaker >= theirs {
                base.send(ICEWire.errorResponse(id: message.transactionID, code: 487, reason: "Role Conflict",
                                                  password: localPassword), to: from)
                return
            }
            switchRole(to: .controlled)
        } else if let theirs = message.iceControlled, role == .controlled {
            if tieBreaker >= theirs {
                switchRole(to: .controlling)
            } else {
                base.send(ICEWire.errorResponse(id: message.transactionID, code: 487, reason: "Role Conflict",
                                                  password: localPassword), to: from)
                return
            }
        }
        base.send(ICEWire.bindingSuccess(id: message.transactionID, mapped: from, password: localPassword), to: from)
        authenticatedRemotes.insert(from)
        guard state != .failed, state != .closed else { return }
        onPeerCheck?(message.useCandidate)

        // Find or learn (peer-reflexive) the remote candidate, then the pair.
        var remote = remoteAddresses.contains(from) ? remoteCandidates.first { $0.address == from } : nil
        if remote == nil {
            guard remoteCandidates.count < Self.maxRemoteCandidates else { return }
            remoteAddresses.insert(from)
            let learned = ICECandidate(foundation: "prflx\(remoteCandidates.count)",
                                       priority: message.priority ?? 0, address: from, kind: .prflx)
            remoteCandidates.append(learned)
            remote = learned
        }
        guard let remote else { return }
        // A peer-reflexive peer reached us through the relay: keep its IP permitted (RFC 8656 §9).
        base.permit(from)
        var pair = pairs.first { $0.base === base && $0.remote.address == from }
        if pair == nil {
            let created = ICECandidatePair(base: base, remote: remote)
            addPair(created)
            pair = created
        }
        guard let pair else { return }
        if message.useCandidate && role == .controlled {
            if pair.state == .succeeded { select(pair) } else { pair.nominateOnSuccess = true }
        }
        // Triggered check (RFC 8445 §7.3.1.4). A check of ours still in progress is cancelled
        // and sent anew: our first check often went out before the peer knew our credentials
        // (so it was dropped) and its retransmission is 100-400 ms away. Beyond the RFC, a valid
        // pair not yet nominated is checked again too: pion's controlling agent nominates as soon
        // as a check of ours reaches a pair it has validated, and otherwise only on its 200 ms tick.
        let awaitingNomination = pair.state == .succeeded && role == .controlled && selectedPair == nil
        if pair.state == .inProgress { cancelChecks(on: pair) }
        if pair.state != .succeeded || awaitingNomination {
            if pair.state != .succeeded { pair.state = .waiting }
            if !triggeredQueue.contains(where: { $0 === pair }) { triggeredQueue.append(pair) }
            if !started { return }
            scheduleChecks()
        }
    }

    private func handleResponse(_ message: ICEWire.Message, transaction t: ICETransaction, from: TransportAddress) {
        switch t.purpose {
        case let .serverReflexive(base, server):
            transactions[t.id] = nil
            t.timer?.cancel()
            serverReflexiveResponse(message, base: base, server: server)
            return
        case .check, .consent:
            break
        }
        // Responses to checks must carry integrity keyed with the peer's password.
        guard let remotePassword, message.verifyIntegrity(password: remotePassword) else {
            Log.debug("dropped check response with bad MESSAGE-INTEGRITY from \(from)", "ice")
            droppedUnauthenticated += 1
            return
        }
        transactions[t.id] = nil
        t.timer?.cancel()
        switch t.purpose {
        case let .check(pair, nominating):
            // RFC 8445 §7.2.5.2.1: the response must come from where the request went.
            guard from == t.destination else {
                pair.state = .failed
                return
            }
            if message.isErrorResponse {
                if message.errorCode == 487 {
                    switchRole(to: role.opposite)
                    pair.state = .waiting
                    triggeredQueue.append(pair)
                    scheduleChecks()
                } else {
                    pairFailed(pair)
                    updateFailure()
                }
                return
            }
            pair.state = .succeeded
            pair.lastRTT = loop.now.since(t.sentAt)
            authenticatedRemotes.insert(from)
            consentAnswered()
            checkSucceeded(pair, nominating: nominating)
        case let .consent(pair):
            if !message.isErrorResponse, pair === carryingPair { consentAnswered() }
        case .serverReflexive:
            break
        }
    }

    private func checkSucceeded(_ pair: ICECandidatePair, nominating: Bool) {
        if role == .controlling {
            if nominating {
                select(pair)
            } else {
                nominateBestValidPair()
            }
        } else if pair.nominateOnSuccess {
            select(pair)
        }
        if state == .checking {
            setState(.connected)
            // Data may flow on a valid pair before nomination ends, so consent starts now.
            startConsentChecks()
            if role == .controlling { watchNomination() }
        } else if previousPair != nil, role == .controlling, !nominationWatched {
            nominationWatched = true
            watchNomination()
        }
    }

    private func pairFailed(_ pair: ICECandidatePair) {
        pair.state = .failed
        nominateBestValidPair()  // the more direct pair it waited for may have been this one
    }

    /// Regular nomination (RFC 8445 §8.1.1), whose stopping rule the RFC leaves to us: the best
    /// valid pair is nominated at once unless a more direct pair of higher priority is still
    /// being checked (a host pair while a reflexive one is valid, say). Then the agent waits
    /// for it a little, longer for a relayed pair than a reflexive one (pion waits by candidate
    /// type too), and nominates the best pair valid by then. Called as checks succeed and fail.
    func nominateBestValidPair(waited: Bool = false) {
        guard role == .controlling, selectedPair == nil, let best = bestValidPair(), !best.nominated else { return }
        if !waited, let wait = nominationWait(for: best) {
            let p = best.priority(role: role), path = Path(best)
            if pairs.contains(where: {
                ($0.state == .waiting || $0.state == .inProgress) && Path($0) < path && $0.priority(role: role) > p
            }) {
                if nominationTimer == nil {
                    Log.debug("valid \(best.local.kind.rawValue) -> \(best.remote.kind.rawValue) pair; "
                        + "waiting up to \(wait) for a better one", "ice")
                    nominationTimer = loop.schedule(in: wait) { [weak self] in
                        self?.nominationTimer = nil
                        self?.nominateBestValidPair(waited: true)
                    }
                }
                return
            }
        }
        nominationTimer?.cancel()
        nominationTimer = nil
        // Repeat the check with USE-CANDIDATE; its success selects the pair.
        best.nominated = true
        triggeredQueue.insert(best, at: 0)
        scheduleChecks()
    }

    /// How long an indirect valid pair waits for a more direct one; nil for a direct pair.
    private func nominationWait(for pair: ICECandidatePair) -> Duration? {
        switch Path(pair) {
        case .relayed: return configuration.relayNominationWait
        case .reflexive: return configuration.reflexiveNominationWait
        case .direct: return nil
        }
    }

    /// How directly a pair's packets travel, most direct first.
    private enum Path: Int, Comparable {
        case direct, reflexive, relayed

        init(_ pair: ICECandidatePair) {
            let kinds = [pair.local.kind, pair.remote.kind]
            if kinds.contains(.relay) {
                self = .relayed
            } else {
                self = kinds.contains(.srflx) || kinds.contains(.prflx) ? .reflexive : .direct
            }
        }

        static func < (a: Path, b: Path) -> Bool { a.rawValue < b.rawValue }
    }

    /// Regular nomination can stall if the USE-CANDIDATE check or its answer goes missing
    /// after its retransmissions; the controlling side then nominates again (bounded).
    private func watchNomination(attempt: Int = 1) {
        guard attempt <= 5 else { return }
        loop.schedule(in: .milliseconds(500 * Int64(attempt))) { [weak self] in
            guard let self, self.selectedPair == nil, self.role == .controlling,
                  self.state == .connected || self.previousPair != nil, let pair = self.bestValidPair() else { return }
            Log.debug("nomination of \(pair.remote.address) not confirmed; nominating again", "ice")
            pair.nominated = true
            if !self.triggeredQueue.contains(where: { $0 === pair }) { self.triggeredQueue.insert(pair, at: 0) }
            self.scheduleChecks()
            self.watchNomination(attempt: attempt + 1)
        }
    }

    func select(_ pair: ICECandidatePair) {
        guard selectedPair == nil else { return }
        pair.nominated = true
        selectedPair = pair
        if state == .disconnected { setState(.connected) }
        if previousPair != nil {
            previousPair = nil
            nominationWatched = false
            consentAnswered()
        }
        Log.debug("selected \(pair.local.kind.rawValue) \(pair.local.address) -> \(pair.remote.kind.rawValue) "
            + "\(pair.remote.address)\(pair.base.isRelay ? " via TURN \(pair.base.turn!.server)" : "")", "ice")
        // Data through a relay goes as ChannelData from now on (RFC 8656 §12), Send indications before.
        pair.base.bindChannel(pair.remote.address)
        triggeredQueue.removeAll()
        if state == .checking { setState(.connected) }
        setState(.completed)
        startConsentChecks()
    }

    package func switchRole(to newRole: ICERole) {
        guard role != newRole else { return }
        Log.debug("role: now \(newRole.rawValue)", "ice")
        role = newRole
        pairs.sort { $0.priority(role: role) > $1.priority(role: role) }
    }

    // MARK: - Consent freshness (RFC 7675)

    private func startConsentChecks() {
        guard consentTimer == nil else { return }
        if lastConsent == nil { lastConsent = loop.now }
        scheduleConsent()
    }

    private func consentAnswered() {
        lastConsent = loop.now
        consentUnansweredSince = nil
        disconnectTimer?.cancel()
        disconnectTimer = nil
        if state == .disconnected { setState(selectedPair != nil ? .completed : .connected) }
    }

    private func scheduleConsent() {
        var base = configuration.consentInterval.nanoseconds
        // Disconnected: check every second (at most the usual interval), so that the path's
        // return shows within a second or so.
        if state == .disconnected { base = min(base, Duration.seconds(1).nanoseconds) }
        let jitter = Int64(rng.next() % UInt64(max(1, base / 5 * 2))) - base / 5
        let interval = Duration.nanoseconds(max(base / 10, min(base + jitter, configuration.consentTimeout.nanoseconds / 3)))
        consentTimer = loop.schedule(in: interval) { [weak self] in self?.consentTick() }
    }

    private func consentTick() {
        guard let pair = carryingPair, state == .completed || state == .connected || state == .disconnected,
              let last = lastConsent
        else { return }
        // Restarting, before the peer's new credentials are known: nothing to check consent with.
        guard let remoteUfrag, let remotePassword else {
            scheduleConsent()
            return
        }
        if loop.now.since(last) >= configuration.consentTimeout {
            fail("peer stopped answering consent checks for \(Int(configuration.consentTimeout.seconds)) s")
            return
        }
        let id = ICEWire.newTransactionID(rng: &rng)
        let packet = ICEWire.bindingRequest(
            id: id, username: "\(remoteUfrag):\(localUfrag)", password: remotePassword,
            priority: pair.local.priority, role: role, tieBreaker: tieBreaker, useCandidate: false)
        let t = ICETransaction(id: id, purpose: .consent(pair), packet: packet, destination: pair.remote.address,
                               base: pair.base, sentAt: loop.now, rto: configuration.checkRTO)
        transactions[id] = t
        pair.base.send(packet, to: pair.remote.address)
        // Consent requests are not retransmitted on RTO; a new one goes out each interval.
        t.timer = loop.schedule(in: configuration.consentInterval) { [weak self] in self?.transactions[id] = nil }
        if consentUnansweredSince == nil {
            consentUnansweredSince = loop.now
            disconnectTimer = loop.schedule(in: configuration.disconnectedTimeout) { [weak self] in
                self?.consentOverdue()
            }
        }
        scheduleConsent()
    }

    /// A consent request went unanswered for `disconnectedTimeout` (W3C `disconnected`).
    private func consentOverdue() {
        disconnectTimer = nil
        guard consentUnansweredSince != nil, state == .completed || state == .connected else { return }
        setState(.disconnected)
        consentTimer?.cancel()
        scheduleConsent()
    }
}
