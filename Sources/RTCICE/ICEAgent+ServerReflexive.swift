import RTCCore

/// Server-reflexive candidates (RFC 8445 §5.1.1.2): ask each STUN server what address our
/// socket's packets come from, and offer it when it differs from the host address.
extension ICEAgent {
    func gatherServerReflexive(on servers: [TransportAddress]) {
        for base in hostBases {
            for server in servers where server.family == base.candidate.address.family {
                let id = ICEWire.newTransactionID(rng: &rng)
                pendingGathering += 1
                startTransaction(ICETransaction(
                    id: id, purpose: .serverReflexive(base: base, server: server),
                    packet: ICEWire.plainBindingRequest(id: id), destination: server, base: base,
                    sentAt: loop.now, rto: .milliseconds(250)))
            }
        }
    }

    func serverReflexiveResponse(_ message: ICEWire.Message, base: ICEBase, server: TransportAddress) {
        defer { gatheringStepDone() }
        guard !message.isErrorResponse, let mapped = message.mappedAddress else { return }
        addServerReflexive(mapped, host: base)
    }

    /// Offers `mapped` as a server-reflexive candidate of `host` unless it is the host address
    /// itself or already offered (a TURN allocation reports the same mapping, RFC 8656 §7.3).
    func addServerReflexive(_ mapped: TransportAddress, host base: ICEBase) {
        let host = base.candidate
        guard !configuration.relayOnly, mapped != host.address,
              !localCandidates.contains(where: { $0.address == mapped && $0.kind == .srflx })
        else { return }
        let candidate = ICECandidate(
            foundation: "s" + host.foundation,
            priority: ICECandidate.priority(kind: .srflx, localPreference: host.priority >> 8 & 0xFFFF),
            address: mapped, kind: .srflx, relatedAddress: host.address)
        localCandidates.append(candidate)
        onLocalCandidate?(candidate)
    }

    /// One server-reflexive request or allocation finished; the last one ends gathering.
    func gatheringStepDone() {
        pendingGathering -= 1
        if pendingGathering == 0 { onLocalCandidate?(nil) }
    }
}
