import RTCCore

/// A local base (host socket or TURN relay) paired with a remote candidate, checked with STUN
/// (RFC 8445 §6.1.2).
final class ICECandidatePair {
    enum State { case waiting, inProgress, succeeded, failed }

    let local: ICECandidate
    let base: ICEBase
    var socket: DatagramSocket { base.socket }
    /// A peer-reflexive remote gives way to the signaled candidate of its address (ICEAgent.addRemoteCandidate).
    var remote: ICECandidate
    var state: State = .waiting
    /// The controlling side asked for this pair with USE-CANDIDATE (or we did, as controlling).
    var nominated = false
    /// A USE-CANDIDATE check from the controlling peer arrived before our own check succeeded.
    var nominateOnSuccess = false
    var lastRTT: Duration?

    init(base: ICEBase, remote: ICECandidate) {
        self.local = base.candidate
        self.base = base
        self.remote = remote
    }

    /// A pair on a plain host socket.
    convenience init(local: ICECandidate, socket: DatagramSocket, remote: ICECandidate) {
        self.init(base: ICEBase(candidate: local, socket: socket), remote: remote)
    }

    /// RFC 8445 §6.1.2.3: 2^32·MIN(G,D) + 2·MAX(G,D) + (G>D?1:0), G the controlling side's priority.
    func priority(role: ICERole) -> UInt64 {
        let g = UInt64(role == .controlling ? local.priority : remote.priority)
        let d = UInt64(role == .controlling ? remote.priority : local.priority)
        return (min(g, d) << 32) + 2 * max(g, d) + (g > d ? 1 : 0)
    }
}
