/// Server-reflexive candidates (RFC 8445 §5.1.1.2): ask each STUN server what address our
/// socket's packets come from, and offer it when it differs from the host address.
extension ICEAgent {
    func gatherServerReflexive() {
        for (local, socket) in sockets {
            for server in configuration.stunServers where server.family == local.address.family {
                let id = ICEWire.newTransactionID(rng: &rng)
                pendingSRFLX += 1
                startTransaction(ICETransaction(
                    id: id, purpose: .serverReflexive(socket: socket, server: server),
                    packet: ICEWire.plainBindingRequest(id: id), destination: server, socket: socket,
                    sentAt: loop.now, rto: .milliseconds(250)))
            }
        }
    }

    func serverReflexiveResponse(_ message: ICEWire.Message, socket: UDPSocket, server: TransportAddress) {
        defer { serverReflexiveDone() }
        guard !message.isErrorResponse, let mapped = message.mappedAddress,
              let host = sockets.first(where: { $0.socket === socket })?.candidate,
              mapped != host.address,
              !localCandidates.contains(where: { $0.address == mapped && $0.kind == .srflx })
        else { return }
        let candidate = ICECandidate(
            foundation: "s" + host.foundation,
            priority: ICECandidate.priority(kind: .srflx, localPreference: host.priority >> 8 & 0xFFFF),
            address: mapped, kind: .srflx, relatedAddress: host.address)
        localCandidates.append(candidate)
        onLocalCandidate?(candidate)
    }

    func serverReflexiveDone() {
        pendingSRFLX -= 1
        if pendingSRFLX == 0 { onLocalCandidate?(nil) }
    }
}
