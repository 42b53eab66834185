import RTCCore
import RTCTURN

/// STUN/TURN servers learnt after gathering started (a WHIP endpoint names them in its 201, RFC
/// 9725 §4.6), and gathering again on every known server at an ICE restart (RFC 8445 §9).
extension ICEAgent {
    /// Adds servers to the configuration (those already known are skipped). With `gather`, and
    /// once host sockets exist, their server-reflexive and relayed candidates are gathered now
    /// (trickled through `onLocalCandidate`, then `nil` once everything under way is done, even
    /// when they add nothing); without it they are used from the next `restart` on.
    /// - Returns: whether gathering runs (then `nil` follows), false without `gather`, before
    ///   `gather()` or once the agent failed or closed.
    @discardableResult
    public func addServers(stun: [TransportAddress], turn: [TURNServer], gather: Bool) -> Bool {
        var newSTUN: [TransportAddress] = []
        for s in stun where !configuration.stunServers.contains(s) && !newSTUN.contains(s) { newSTUN.append(s) }
        var newTURN: [TURNServer] = []
        for t in turn where !configuration.turnServers.contains(t) && !newTURN.contains(t) { newTURN.append(t) }
        configuration.stunServers += newSTUN
        configuration.turnServers += newTURN
        guard gather, !hostBases.isEmpty, state != .failed, state != .closed else { return false }
        pendingGathering += 1  // the end comes even when nothing new starts
        if !configuration.relayOnly { gatherServerReflexive(on: newSTUN) }
        gatherRelayed(on: newTURN)
        endGatheringStepLater()
        return true
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
        for (client, host) in turnClients {
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
        client.refresh { [weak self, weak client, weak host] result in
            guard let self, let client, let host else { return }
            defer { self.gatheringStepDone() }
            guard self.state != .closed, self.state != .failed else { return }
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
