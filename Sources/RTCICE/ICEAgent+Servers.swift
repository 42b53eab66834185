import RTCCore
import RTCTURN

/// STUN/TURN servers learnt after gathering started (a WHIP endpoint names them in its 201, RFC
/// 9725 §4.6), and gathering again on every known server at an ICE restart (RFC 8445 §9).
extension ICEAgent {
    /// Adds servers to the configuration (those already known are skipped). A TURN server
    /// already known by its address but named with other credentials takes them in place of the
    /// old ones (a WHIP endpoint's credentials expire, RFC 9725 §4.6): its allocations, made with
    /// the old ones, are released and made anew with the new ones — now with `gather`, else at
    /// the next `restart`. With `gather`, and once host sockets exist, the new servers'
    /// server-reflexive and relayed candidates are gathered now (trickled through
    /// `onLocalCandidate`, then `nil` once everything under way is done, even when they add
    /// nothing); without it they are used from the next `restart` on.
    /// - Returns: whether gathering runs (then `nil` follows), false without `gather`, before
    ///   `gather()` or once the agent failed or closed.
    @discardableResult
    public func addServers(stun: [TransportAddress], turn: [TURNServer], gather: Bool) -> Bool {
        var newSTUN: [TransportAddress] = []
        for s in stun where !configuration.stunServers.contains(s) && !newSTUN.contains(s) { newSTUN.append(s) }
        var newTURN: [TURNServer] = []
        for t in turn where !configuration.turnServers.contains(t) {
            if let i = configuration.turnServers.firstIndex(where: { $0.address == t.address }) {
                configuration.turnServers[i] = t  // new credentials for a known server
            } else if let i = newTURN.firstIndex(where: { $0.address == t.address }) {
                newTURN[i] = t  // named twice: the last credentials count
            } else {
                newTURN.append(t)
            }
        }
        configuration.stunServers += newSTUN
        configuration.turnServers += newTURN
        guard gather, !hostBases.isEmpty, state != .failed, state != .closed else { return false }
        pendingGathering += 1  // the end comes even when nothing new starts
        if !configuration.relayOnly { gatherServerReflexive(on: newSTUN) }
        replaceStaleAllocations()
        gatherRelayed(on: newTURN)
        endGatheringStepLater()
        return true
    }

    /// Whether `client` authenticates with credentials the configuration no longer holds for
    /// its server.
    private func isStale(_ client: TURNClient) -> Bool {
        guard let server = configuration.turnServers.first(where: { $0.address == client.server }) else { return false }
        return !client.uses(username: server.username, password: server.password)
    }

    /// Replaces every idle allocation made with outdated credentials (those under way are
    /// replaced when answered, `replaceIfStale`).
    func replaceStaleAllocations() {
        for (client, host) in turnClients { replaceIfStale(client, host: host) }
    }

    /// When `client`'s credentials are outdated and nothing of it is under way: its relayed
    /// candidates and their pairs go, the allocation is released (Refresh with LIFETIME 0, RFC
    /// 8656 §8: a new Allocate on the same 5-tuple would get 437 while it lives), then a new
    /// client allocates from the same socket with the current credentials. One gathering step
    /// until then.
    func replaceIfStale(_ client: TURNClient, host: ICEBase) {
        guard state != .closed, state != .failed, isStale(client), !busyTURNClients.contains(ObjectIdentifier(client)),
              client.state != .closing, client.state != .closed else { return }
        Log.debug("TURN server \(client.server): new credentials, releasing the allocation made with the old ones", "ice")
        dropRelayBases(of: client)
        pendingGathering += 1
        busyTURNClients.insert(ObjectIdentifier(client))
        // The client stays listed while it closes, so the server's answer reaches it.
        client.close { [weak self, weak client, weak host] in
            guard let self else { return }
            defer { self.gatheringStepDone() }
            guard let client else { return }
            self.busyTURNClients.remove(ObjectIdentifier(client))
            self.turnClients.removeAll { $0.client === client }
            guard let host, self.state != .closed, self.state != .failed,
                  let current = self.configuration.turnServers.first(where: { $0.address == client.server }),
                  !self.turnClients.contains(where: { $0.host === host && $0.client.server == current.address })
            else { return }
            self.startRelay(current, on: host, mismatchRetries: 5)
        }
    }

    /// At a restart: server-reflexive candidates are asked for again on every STUN server (the NAT
    /// may map our sockets anew: the usual reason for a restart), and each TURN allocation is
    /// refreshed (RFC 8656 §8) and offered again, or made anew from the same socket when the
    /// refresh fails (437 Allocation Mismatch: the server sees us from another address now; or
    /// the allocation expired). Allocations that never succeeded, and servers added since, are
    /// tried again. Host candidates stay.
    func regatherServerCandidates() {
        localCandidates.removeAll { $0.kind != .host }
        pendingGathering += 1
        if !configuration.relayOnly { gatherServerReflexive(on: configuration.stunServers) }
        // Allocations whose server has new credentials are made anew with them, not refreshed.
        replaceStaleAllocations()
        for (client, host) in turnClients where !isStale(client) && !busyTURNClients.contains(ObjectIdentifier(client)) {
            switch client.state {
            case .allocated: refreshOrReallocate(client, host: host)
            case .idle, .failed:
                dropRelayBases(of: client)
                allocate(client, host: host)
            case .allocating, .closing, .closed: break
            }
        }
        gatherRelayed(on: configuration.turnServers)  // servers no socket has a client for yet
        endGatheringStepLater()
    }

    /// The gathering step held open while requests were started ends on the next loop turn, so
    /// `onLocalCandidate(nil)` never runs inside the caller (a restart's caller first sends its
    /// new credentials, then the candidates).
    private func endGatheringStepLater() {
        loop.enqueue { [weak self] in
            guard let self, self.state != .closed else { return }
            self.gatheringStepDone()
        }
    }

    private func refreshOrReallocate(_ client: TURNClient, host: ICEBase) {
        pendingGathering += 1
        busyTURNClients.insert(ObjectIdentifier(client))
        client.refresh { [weak self, weak client, weak host] result in
            guard let self, let client, let host else { return }
            defer { self.gatheringStepDone() }
            self.busyTURNClients.remove(ObjectIdentifier(client))
            guard self.state != .closed, self.state != .failed else { return }
            if self.isStale(client) {
                // New credentials came while the refresh was under way.
                self.replaceIfStale(client, host: host)
                return
            }
            switch result {
            case .success:
                if let mapped = client.mappedAddress { self.addServerReflexive(mapped, host: host) }
                for base in self.relayBases where base.turn === client
                    && !self.localCandidates.contains(base.candidate) {
                    self.localCandidates.append(base.candidate)
                    self.onLocalCandidate?(base.candidate)
                }
            case let .failure(e):
                Log.debug("TURN refresh on \(client.server) at ICE restart failed (\(e)); allocating anew", "ice")
                self.dropRelayBases(of: client)
                self.allocate(client, host: host)
            }
        }
    }

    /// Forgets the relayed candidates of `client`'s lost allocation and their pairs.
    private func dropRelayBases(of client: TURNClient) {
        let gone = relayBases.filter { $0.turn === client }
        guard !gone.isEmpty else { return }
        relayBases.removeAll { $0.turn === client }
        for base in gone {
            localCandidates.removeAll { $0 == base.candidate }
            pairs.removeAll { $0.base === base }
            triggeredQueue.removeAll { $0.base === base }
        }
        pairKeys = Set(pairs.map { PairKey(base: ObjectIdentifier($0.base), remote: $0.remote.address) })
    }
}
