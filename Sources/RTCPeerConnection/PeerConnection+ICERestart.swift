import RTCCore
import RTCICE

/// ICE restart (RFC 8445 §9) without a whole new offer/answer: the two sides swap new credentials
/// and candidates, as WHIP/WHEP's PATCH with an `application/trickle-ice-sdpfrag` body does (RFC
/// 9725 §4.4). DTLS, SCTP and SRTP stay as they are; only the path under them may change.
extension PeerConnection {
    /// One side's ICE parameters: its credentials and the candidates it has gathered.
    public struct ICEParameters: Equatable, Sendable {
        public var ufrag: String
        public var password: String
        public var candidates: [ICECandidateInit]
        /// Whether `candidates` are all there will be (`a=end-of-candidates`).
        public var endOfCandidates: Bool

        public init(ufrag: String, password: String, candidates: [ICECandidateInit] = [], endOfCandidates: Bool = false) {
            self.ufrag = ufrag
            self.password = password
            self.candidates = candidates
            self.endOfCandidates = endOfCandidates
        }
    }

    /// Our current credentials and every local candidate (signalled again after a restart).
    public var localICEParameters: ICEParameters {
        ICEParameters(
            ufrag: ice.localUfrag, password: ice.localPassword,
            candidates: ice.localCandidates.map { ICECandidateInit(candidate: $0.description, sdpMid: localMid, sdpMLineIndex: 0) },
            endOfCandidates: isGatheringComplete)
    }

    /// The peer's credentials as the last description or restart gave them.
    public var remoteICECredentials: (ufrag: String, password: String)? {
        remote.map { ($0.ufrag, $0.password) }
    }

    /// Starts an ICE restart: new local credentials; the peer's old credentials and candidates are
    /// dropped. Data keeps flowing on the current path until checks under the peer's new
    /// parameters (`setRemoteICEParameters`) select a pair. Send the returned parameters to the peer.
    ///
    /// The returned parameters hold the host candidates; server-reflexive and relayed ones are
    /// gathered again on every STUN/TURN server (RFC 8445 §9: the path has usually changed) and
    /// come later through `onLocalCandidate` (trickle), then `nil`; or wait with
    /// `whenGatheringComplete` and send `localICEParameters` (complete, `endOfCandidates`).
    /// - Throws: `PeerConnectionError.noRemoteDescription` before the first offer/answer,
    ///   `.restartImpossible` once the connection failed or closed.
    @discardableResult
    public func restartICE() throws -> ICEParameters {
        guard remote != nil else { throw PeerConnectionError.noRemoteDescription }
        guard state != .failed, state != .closed else { throw PeerConnectionError.restartImpossible(state.rawValue) }
        gatheringComplete = false
        ice.restart()
        remoteCandidates.restart()
        return localICEParameters
    }

    /// The peer's parameters after a restart (its answer to ours, or its request for one: then call
    /// `restartICE` first). Candidates may also come later through `addRemoteCandidate`.
    /// - Throws: `PeerConnectionError.badICECredentials` for credentials outside RFC 8839's lengths,
    ///   `SDPError` for a malformed candidate.
    public func setRemoteICEParameters(_ parameters: ICEParameters) throws {
        guard var current = remote else { throw PeerConnectionError.noRemoteDescription }
        guard (4...256).contains(parameters.ufrag.count), (22...256).contains(parameters.password.count) else {
            throw PeerConnectionError.badICECredentials
        }
        guard ice.isRestarting else { throw PeerConnectionError.restartImpossible("no ICE restart under way") }
        current.ufrag = parameters.ufrag
        current.password = parameters.password
        remote = current
        ice.setRemoteCredentials(ufrag: parameters.ufrag, password: parameters.password)
        for c in parameters.candidates { try addRemoteCandidate(c) }
        if parameters.endOfCandidates { try addRemoteCandidate(nil) }
    }

    /// STUN/TURN servers learnt after the connection was made (a WHIP endpoint's 201 names them,
    /// RFC 9725 §4.6); those already configured are skipped. With `gather`, candidates are
    /// gathered on them now and trickled through `onLocalCandidate`, followed by `nil` (also when
    /// they add nothing); without it they serve from the next `restartICE` on.
    /// - Returns: whether candidates are being gathered on them (then `nil` follows).
    @discardableResult
    public func addICEServers(stun: [TransportAddress], turn: [ICEAgent.TURNServer], gather: Bool) -> Bool {
        guard ice.addServers(stun: stun, turn: turn, gather: gather) else { return false }
        gatheringComplete = false
        return true
    }
}
