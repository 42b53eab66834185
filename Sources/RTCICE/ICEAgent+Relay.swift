import RTCCore
import RTCSTUN
import RTCTURN

/// Relayed candidates (RFC 8445 §5.1.1.2, RFC 8656): an allocation on each TURN server from each
/// host socket of the server's family. The TURN client shares the host socket, so datagrams from
/// the server's address are demultiplexed here: STUN that is not one of ICE's own transactions,
/// and ChannelData (first byte 0x40–0x4F, RFC 7983), go to the client; what the client unwraps
/// (Data indications, ChannelData) comes back into the normal demux with the peer as source.
extension ICEAgent {
    /// The bases that take part in checks: relayed ones, and host ones unless `relayOnly`.
    var pairableBases: [ICEBase] {
        configuration.relayOnly ? relayBases : hostBases + relayBases
    }

    /// One allocation per host socket of the server's family, unless that socket already has a
    /// client for the server's address: a second Allocate on the same 5-tuple is refused with
    /// 437 Allocation Mismatch (RFC 8656 §7.2).
    func gatherRelayed(on servers: [TURNServer]) {
        for host in hostBases {
            for server in servers where server.address.family == host.candidate.address.family {
                guard !turnClients.contains(where: { $0.host === host && $0.client.server == server.address }) else {
                    continue
                }
                startRelay(server, on: host)
            }
        }
    }

    /// A new TURN client for `server` on `host`'s socket, allocating (`mismatchRetries`: see
    /// `allocate`).
    func startRelay(_ server: TURNServer, on host: ICEBase, mismatchRetries: Int = 0) {
        let socket = host.socket
        let client = TURNClient(
            loop: loop, server: server.address, username: server.username, password: server.password,
            configuration: configuration.turn, send: { [weak socket] in socket?.send($0, to: $1) })
        turnClients.append((client, host))
        allocate(client, host: host, mismatchRetries: mismatchRetries)
    }

    /// Allocates on `client` (new, or one whose allocation failed or was lost) and offers the
    /// relayed candidate; counts as one gathering step. `mismatchRetries`: how often a 437
    /// (Allocation Mismatch) is tried again, a second apart — after a release on the same
    /// 5-tuple, the old allocation may linger at the server (coturn drops it on a later tick).
    func allocate(_ client: TURNClient, host: ICEBase, mismatchRetries: Int = 0) {
        pendingGathering += 1
        busyTURNClients.insert(ObjectIdentifier(client))
        let server = client.server
        client.allocate { [weak self, weak client, weak host] result in
            guard let self, let client, let host else { return }
            defer { self.gatheringStepDone() }
            self.busyTURNClients.remove(ObjectIdentifier(client))
            switch result {
            case let .success(relayed):
                self.allocated(client, relayed: relayed, host: host)
            case let .failure(.errorResponse(_, code)) where code.code == STUNErrorCode.allocationMismatch && mismatchRetries > 0:
                Log.debug("TURN allocation on \(server): 437, the released one still there; trying again in 1 s", "ice")
                self.pendingGathering += 1
                self.busyTURNClients.insert(ObjectIdentifier(client))
                self.loop.schedule(in: .seconds(1)) { [weak self, weak client, weak host] in
                    guard let self else { return }
                    defer { self.gatheringStepDone() }
                    guard let client, let host, self.state != .closed, self.state != .failed else { return }
                    self.busyTURNClients.remove(ObjectIdentifier(client))
                    self.allocate(client, host: host, mismatchRetries: mismatchRetries - 1)
                }
                return
            case let .failure(e):
                Log.warn("TURN allocation on \(server) failed: \(e)", "ice")
            }
            // New credentials came while this was under way: they replace it now.
            self.replaceIfStale(client, host: host)
        }
    }

    private func allocated(_ client: TURNClient, relayed: TransportAddress, host: ICEBase) {
        guard state != .closed, state != .failed else { return }
        Log.debug("TURN allocation on \(client.server): relayed \(relayed)", "ice")
        if let mapped = client.mappedAddress { addServerReflexive(mapped, host: host) }
        // Relayed candidates rank below the rest; among them, by host order (RFC 8445 §5.1.2.2).
        let candidate = ICECandidate(
            foundation: "r\(host.candidate.foundation)t\(relayBases.count)",
            priority: ICECandidate.priority(kind: .relay,
                                            localPreference: (host.candidate.priority >> 8 & 0xFFFF) - UInt32(relayBases.count)),
            address: relayed, kind: .relay, relatedAddress: client.mappedAddress ?? host.candidate.address)
        let base = ICEBase(candidate: candidate, socket: host.socket, turn: client)
        client.onData = { [weak self, weak base] bytes, peer in
            guard let self, let base else { return }
            self.handleDatagram(bytes, from: peer, base: base)
        }
        client.onStateChange = { s in
            if s == .failed { Log.warn("TURN allocation \(relayed) lost (refresh failed)", "ice") }
        }
        relayBases.append(base)
        localCandidates.append(candidate)
        onLocalCandidate?(candidate)
        for remote in remoteCandidates where remote.address.family == relayed.family {
            base.permit(remote.address)
            addPair(ICECandidatePair(base: base, remote: remote))
        }
        if started { scheduleChecks() }
    }

    /// A datagram on a host socket: TURN traffic from one of our servers goes to its client,
    /// the rest to ICE's demux.
    /// A datagram on a host socket, borrowed from its receive buffer. DTLS, RTP and RTCP from an
    /// authenticated peer on a direct path (not our TURN server's, not relay-only) go up borrowed
    /// to a borrowing receiver; everything else takes the array path below.
    func hostDatagram(bytes: UnsafeRawBufferPointer, from: TransportAddress, base: ICEBase) {
        if let borrowingReceiver, let first = bytes.first, first >= 20, !configuration.relayOnly,
           turnClients.isEmpty || !turnClients.contains(where: { $0.host === base && $0.client.server == from }),
           isAuthenticated(from) {
            borrowingReceiver(bytes)
            return
        }
        hostDatagram(Array(bytes), from: from, base: base)
    }

    func hostDatagram(_ bytes: [UInt8], from: TransportAddress, base: ICEBase) {
        if !turnClients.isEmpty, let turn = turnClients.first(where: { $0.host === base && $0.client.server == from }) {
            if ChannelData.isChannelData(bytes) {
                turn.client.handle(bytes, from: from)
                return
            }
            if STUNMessage.isSTUN(bytes), !isOwnTransaction(bytes), turn.client.handle(bytes, from: from) {
                return
            }
        }
        guard !configuration.relayOnly || isOwnTransaction(bytes) else {
            // Relay policy: nothing but our own server-reflexive/TURN traffic on host sockets.
            Log.trace("relay-only: dropped \(bytes.count) bytes from \(from) on host socket", "ice")
            return
        }
        handleDatagram(bytes, from: from, base: base)
    }

    /// Whether a STUN datagram answers one of the agent's own transactions (e.g. a Binding
    /// request for a server-reflexive address sent to a server that is also our TURN server).
    private func isOwnTransaction(_ bytes: [UInt8]) -> Bool {
        guard STUNMessage.isSTUN(bytes), let id = STUNTransactionID(bytes: Array(bytes[8..<20])) else { return false }
        return transactions[id] != nil
    }
}
