import RTCCore
import RTCSDP
import RTCMDNS
import RTCICE

/// Hands the peer's candidates to the ICE agent, resolving mDNS host names on the way
/// (draft-ietf-mmusic-mdns-ice-candidates §3.2.2): a `.local` candidate joins the checks once its
/// name resolves, like any host candidate; one that does not resolve is dropped with a debug line.
/// `a=end-of-candidates` is passed on only after every lookup has ended, so the agent cannot fail
/// for want of a candidate that is still being resolved.
final class RemoteCandidates {
    private let agent: ICEAgent
    private let resolver: MDNSResolver
    private var resolving = 0
    private var endSeen = false
    private var closed = false
    /// Counts ICE restarts: a lookup started before one belongs to the old candidates.
    private var generation = 0

    init(agent: ICEAgent, resolver: MDNSResolver) {
        self.agent = agent
        self.resolver = resolver
    }

    /// - Returns: false when the agent refused the candidate because it holds
    ///   `ICEAgent.maxRemoteCandidates` already (a name still to resolve counts as taken).
    @discardableResult
    func add(_ c: SDPCandidate) -> Bool {
        guard !closed else { return true }
        if let candidate = ICECandidate(c) { return agent.addRemoteCandidate(candidate) }
        guard c.transport.lowercased() == "udp", let name = DNSName(c.ip), name.isLocal else { return true }
        resolving += 1
        let started = generation
        resolver.resolve(c.ip) { [weak self] ip in
            guard let self, !self.closed, self.generation == started else { return }
            self.resolving -= 1
            if let ip, let address = TransportAddress(ip: ip, port: 0) {
                var resolved = c
                resolved.ip = address.host
                if let candidate = ICECandidate(resolved) { self.agent.addRemoteCandidate(candidate) }
            } else {
                Log.debug("skipping candidate \(c.foundation): \(c.ip) did not resolve", "ice")
            }
            if self.resolving == 0, self.endSeen { self.agent.remoteEndOfCandidates() }
        }
        return true
    }

    /// The peer has no more candidates (`a=end-of-candidates` or a null trickle).
    func end() {
        guard !closed else { return }
        endSeen = true
        if resolving == 0 { agent.remoteEndOfCandidates() }
    }

    /// An ICE restart: the peer's candidates start over, and lookups under way are forgotten.
    func restart() {
        generation += 1
        resolving = 0
        endSeen = false
    }

    func close() {
        closed = true
        resolver.close()
    }
}
