import RTCCore
import RTCSTUN
import RTCTURN
import RTCSDP

/// A full ICE agent (RFC 8445) for one data stream with one component, over UDP.
///
/// It gathers host, server-reflexive and relayed (TURN, RFC 8656) candidates, checks candidate pairs with STUN Binding
/// requests authenticated by short-term credentials, nominates a pair (regular nomination when
/// controlling), and then carries the upper layer's packets on the selected pair. After
/// connecting it keeps checking consent (RFC 7675) and fails when the peer stops answering.
///
/// Everything runs on the event loop. Packets from the network are demultiplexed here by their
/// first byte (RFC 7983): STUN stays in the agent, the rest goes up through `onReceive`, and only
/// from addresses that proved knowledge of our credentials.
public final class ICEAgent: PacketTransport {
    public struct Configuration: Sendable {
        /// Addresses to gather host candidates on; nil means every interface (no loopback).
        public var hostAddresses: [TransportAddress]?
        /// STUN servers for server-reflexive candidates.
        public var stunServers: [TransportAddress] = []
        /// TURN servers to allocate relayed candidates on, from every host socket of the family.
        public var turnServers: [TURNServer] = []
        /// ICE transport policy `relay` (W3C `iceTransportPolicy`): offer and check only relayed
        /// candidates; host sockets only carry the traffic to the TURN servers.
        public var relayOnly = false
        /// Settings of each TURN client (lifetime, refresh, retransmission).
        public var turn = TURNClient.Configuration()
        /// How long without a consent response before the connection fails (RFC 7675 §5.1).
        public var consentTimeout: Duration = .seconds(30)
        /// Pacing of new checks (Ta, RFC 8445 §14.2).
        public var checkInterval: Duration = .milliseconds(5)
        /// First retransmission timeout of a check; doubles per retransmission.
        public var checkRTO: Duration = .milliseconds(100)
        /// Transmissions per check before the pair fails.
        public var checkAttempts = 7
        /// How long the controlling side waits, once a server-reflexive or peer-reflexive pair
        /// is valid, for a pair of higher priority still being checked (a direct path) before it
        /// nominates the best pair valid by then (`ICEAgent.nominateBestValidPair`).
        public var reflexiveNominationWait: Duration = .milliseconds(100)
        /// The same for a pair through a TURN relay on either side: a direct path saves the
        /// relay's detour and bandwidth for the whole session.
        public var relayNominationWait: Duration = .milliseconds(300)
        /// Interval between consent checks; randomized ±20 % (RFC 7675 §5.1).
        public var consentInterval: Duration = .seconds(5)
        /// How long without a consent response before the state is `disconnected` (W3C; the
        /// hint to restart ICE). Consent checks go out every second meanwhile; a response brings
        /// the state back, and `consentTimeout` still ends the agent.
        public var disconnectedTimeout: Duration = .milliseconds(2500)
        /// Where host sockets come from: the kernel's UDP, or a `VirtualNetwork` in tests.
        public var socketFactory: DatagramSocketFactory = UDPSocketFactory.shared

        public init(hostAddresses: [TransportAddress]? = nil) {
            self.hostAddresses = hostAddresses
        }
    }

    /// A TURN server and its long-term credentials (RFC 8489 §9.2).
    public struct TURNServer: Sendable, Hashable {
        public var address: TransportAddress
        public var username: String
        public var password: String

        public init(address: TransportAddress, username: String, password: String) {
            self.address = address
            self.username = username
            self.password = password
        }
    }

    /// Our short-term credentials; an ICE restart replaces them.
    public internal(set) var localUfrag: String
    public internal(set) var localPassword: String
    public internal(set) var role: ICERole
    public internal(set) var state: ICEConnectionState = .new
    public internal(set) var localCandidates: [ICECandidate] = []
    public internal(set) var remoteCandidates: [ICECandidate] = []
    /// The addresses of `remoteCandidates`, for O(1) de-duplication.
    var remoteAddresses: Set<TransportAddress> = []
    /// Remote candidates kept at most (signaled and peer-reflexive): each one costs a pair per
    /// base and checks, so a hostile peer must not add them without end. Matches the SDP cap.
    public static let maxRemoteCandidates = SDPLimits.standard.maxCandidates

    public var onStateChange: ((ICEConnectionState) -> Void)?
    /// Each new local candidate; `nil` once gathering is complete.
    public var onLocalCandidate: ((ICECandidate?) -> Void)?
    /// Packets for the layer above (DTLS). Set it as soon as that layer exists: packets that
    /// arrive earlier (a ClientHello racing our own description) are held until then.
    public var onReceive: (([UInt8]) -> Void)? {
        didSet {
            guard let onReceive else { return }
            borrowingReceiver = nil
            guard !heldPackets.isEmpty else { return }
            let held = heldPackets
            heldPackets.removeAll()
            for p in held { onReceive(p) }
        }
    }
    /// Set through `setBorrowingReceiver`: gets packets borrowed from the socket's receive
    /// buffer instead of `onReceive` (no array per packet on the media path).
    var borrowingReceiver: ((UnsafeRawBufferPointer) -> Void)?
    /// Each authenticated connectivity check from the peer, after our response went out: proof
    /// that the peer's agent runs and hears us (DTLS resends an unanswered ClientHello on it).
    /// The argument says whether the check nominates (USE-CANDIDATE, RFC 8445 §7.3.1.5).
    public var onPeerCheck: ((_ nominating: Bool) -> Void)?
    /// Early packets, bounded: a peer cannot make us buffer without limit.
    var heldPackets: [[UInt8]] = []
    static let maxHeldPackets = 64
    /// Why the agent failed, for the error message.
    public internal(set) var failureReason: String?

    let loop: EventLoop
    /// Its STUN/TURN server lists grow with `addServers`.
    var configuration: Configuration
    var tieBreaker: UInt64
    var rng: any RandomNumberGenerator
    var remoteUfrag: String?
    var remotePassword: String?
    /// One base per host socket (gathered even with `relayOnly`: the TURN clients use them).
    var hostBases: [ICEBase] = []
    /// Allocations that succeeded.
    var relayBases: [ICEBase] = []
    /// TURN clients by the host base they share, including allocations still in progress.
    var turnClients: [(client: TURNClient, host: ICEBase)] = []
    /// TURN clients with an Allocate or a restart's Refresh under way: replaced only once it is
    /// answered (its completion ends a gathering step).
    var busyTURNClients: Set<ObjectIdentifier> = []
    var pairs: [ICECandidatePair] = []
    /// (base, remote address) of every pair in `pairs`, for O(1) de-duplication.
    var pairKeys: Set<PairKey> = []

    struct PairKey: Hashable {
        let base: ObjectIdentifier
        let remote: TransportAddress
    }
    var triggeredQueue: [ICECandidatePair] = []
    var transactions: [STUNTransactionID: ICETransaction] = [:]
    /// Remote addresses that authenticated themselves; only they may send us non-STUN packets.
    var authenticatedRemotes: Set<TransportAddress> = [] {
        didSet { lastAuthenticated = nil }
    }
    /// The remote that last passed `isAuthenticated`: a stream from one peer is checked without
    /// hashing its address per packet.
    private var lastAuthenticated: TransportAddress?
    var selectedPair: ICECandidatePair?
    /// During an ICE restart, the pair selected before it: data keeps flowing on it until checks
    /// with the new credentials select another (RFC 8445 §9).
    var previousPair: ICECandidatePair?
    var checkTimer: ScheduledTask?
    var consentTimer: ScheduledTask?
    var lastConsent: LoopInstant?
    /// When the oldest consent request still unanswered went out; its answer clears it.
    var consentUnansweredSince: LoopInstant?
    /// Fires `disconnectedTimeout` after that request unless an answer came.
    var disconnectTimer: ScheduledTask?
    /// Runs out the wait for a better pair before nominating an indirect one.
    var nominationTimer: ScheduledTask?
    /// Datagrams dropped because nothing authenticated them: STUN that fails to parse or to
    /// verify (MESSAGE-INTEGRITY, FINGERPRINT), non-STUN from an address that never proved our
    /// credentials. None of them changes the agent's state.
    public internal(set) var droppedUnauthenticated = 0
    /// Server-reflexive requests and allocations still under way; gathering ends at zero.
    var pendingGathering = 0
    var remoteGatheringDone = false
    var started = false
    /// Whether the controlling side's nomination watch runs for the restart's checks.
    var nominationWatched = false

    public init(loop: EventLoop, role: ICERole, configuration: Configuration = Configuration(),
                rng: any RandomNumberGenerator = SystemRandomNumberGenerator()) {
        self.loop = loop
        self.role = role
        self.configuration = configuration
        self.rng = rng
        localUfrag = ICECredentials.randomString(length: 8, using: &self.rng)
        localPassword = ICECredentials.randomString(length: 24, using: &self.rng)
        tieBreaker = self.rng.next()
    }

    /// Binds a socket per host address and reports host candidates (unless `relayOnly`);
    /// server-reflexive and relayed ones follow asynchronously. `onLocalCandidate(nil)` marks the end.
    /// - Throws: `ICEError.noAddresses` when nothing could be bound.
    public func gather() throws {
        let addresses = configuration.hostAddresses ?? HostAddresses.discover()
        var errors: [String] = []
        for (index, address) in addresses.enumerated() {
            do {
                let bindAddress = address
                let socket = try configuration.socketFactory.makeSocket(loop: loop, bindTo: bindAddress)
                let localPreference = UInt32(65535 - index)
                let candidate = ICECandidate(
                    foundation: String(index + 1),
                    priority: ICECandidate.priority(kind: .host, localPreference: localPreference),
                    address: socket.localAddress, kind: .host)
                let base = ICEBase(candidate: candidate, socket: socket)
                socket.setBorrowingReceiver { [weak self, weak base] bytes, from in
                    guard let self, let base else { return }
                    self.hostDatagram(bytes: bytes, from: from, base: base)
                }
                hostBases.append(base)
                if !configuration.relayOnly {
                    localCandidates.append(candidate)
                    onLocalCandidate?(candidate)
                }
            } catch {
                errors.append("\(error)")
            }
        }
        guard !hostBases.isEmpty else {
            throw ICEError.noAddresses(errors.isEmpty ? "no usable network address" : errors.joined(separator: "; "))
        }
        pendingGathering += 1  // holds the end back while requests are started
        if !configuration.relayOnly { gatherServerReflexive(on: configuration.stunServers) }
        gatherRelayed(on: configuration.turnServers)
        gatheringStepDone()
    }

    /// The peer's ufrag and password from its description (`a=ice-ufrag`, `a=ice-pwd`).
    public func setRemoteCredentials(ufrag: String, password: String) {
        remoteUfrag = ufrag
        remotePassword = password
        // Consent on the carrying pair now runs under the new credentials; its clock starts over.
        if previousPair != nil {
            lastConsent = loop.now
            consentUnansweredSince = nil
        }
        if started { scheduleChecks() }
    }

    /// Adds a remote candidate (from SDP or trickle) and pairs it with every local base of the
    /// same address family; relayed bases ask their server to permit its IP. Duplicates and
    /// candidates of other components or transports are ignored.
    /// - Returns: false when refused because `maxRemoteCandidates` are already known.
    @discardableResult
    public func addRemoteCandidate(_ candidate: ICECandidate) -> Bool {
        guard candidate.component == 1, candidate.transport.lowercased() == "udp" else { return true }
        guard !remoteAddresses.contains(candidate.address) else {
            replacePeerReflexive(with: candidate)
            return true
        }
        guard remoteCandidates.count < Self.maxRemoteCandidates else { return false }
        remoteCandidates.append(candidate)
        remoteAddresses.insert(candidate.address)
        for base in pairableBases where base.candidate.address.family == candidate.address.family {
            base.permit(candidate.address)
            addPair(ICECandidatePair(base: base, remote: candidate))
        }
        if started { scheduleChecks() }
        return true
    }

    /// A candidate first learned from the peer's checks (peer-reflexive) and signaled later takes
    /// the signaled type, priority and foundation, as libwebrtc does: the selected pair then says
    /// relay or srflx (stats, `--relay-only` checks) rather than prflx. Pair priorities change with
    /// it, so the check list is sorted again.
    private func replacePeerReflexive(with candidate: ICECandidate) {
        guard candidate.kind != .prflx,
              let i = remoteCandidates.firstIndex(where: { $0.address == candidate.address && $0.kind == .prflx })
        else { return }
        remoteCandidates[i] = candidate
        for pair in pairs where pair.remote.address == candidate.address { pair.remote = candidate }
        pairs.sort { $0.priority(role: role) > $1.priority(role: role) }
    }

    /// The peer sent `a=end-of-candidates`: if every pair then fails, the agent fails.
    public func remoteEndOfCandidates() {
        remoteGatheringDone = true
        updateFailure()
    }

    /// Starts connectivity checks; call after the remote credentials are set.
    public func start() {
        guard !started, state != .closed else { return }
        started = true
        setState(.checking)
        scheduleChecks()
    }

    /// The pair data goes out on: the selected one, else the best valid one, else (restarting)
    /// the one selected before the restart.
    var carryingPair: ICECandidatePair? { selectedPair ?? bestValidPair() ?? previousPair }

    public func setBorrowingReceiver(_ receiver: ((UnsafeRawBufferPointer) -> Void)?) {
        guard let receiver else {
            borrowingReceiver = nil
            return
        }
        onReceive = nil
        borrowingReceiver = receiver
        let held = heldPackets
        heldPackets.removeAll()
        for p in held { p.withUnsafeBytes(receiver) }
    }

    /// Whether `from` proved itself with a connectivity check (only such remotes may send us
    /// anything but STUN).
    func isAuthenticated(_ from: TransportAddress) -> Bool {
        if from == lastAuthenticated { return true }
        guard authenticatedRemotes.contains(from) else { return false }
        lastAuthenticated = from
        return true
    }

    @discardableResult
    public func send(_ packet: [UInt8]) -> Bool {
        guard let pair = carryingPair else { return false }
        return pair.base.send(packet, to: pair.remote.address)
    }

    @discardableResult
    public func send(bytes packet: UnsafeRawBufferPointer) -> Bool {
        guard let pair = carryingPair else { return false }
        return pair.base.send(bytes: packet, to: pair.remote.address)
    }

    /// The local and remote candidates of the pair data flows on (their `kind` tells whether
    /// the path is relayed), once connected.
    public var selectedCandidates: (local: ICECandidate, remote: ICECandidate)? {
        guard let p = carryingPair else { return nil }
        return (p.local, p.remote)
    }

    /// Round trip of the last successful check on the pair data flows on, once connected.
    public var checkRoundTripTime: Duration? { carryingPair?.lastRTT }

    /// Whether an ICE restart is under way: new credentials, no new pair selected yet.
    public var isRestarting: Bool { previousPair != nil || (started && remotePassword == nil) }

    /// ICE restart (RFC 8445 §9): new local credentials, and the peer's old credentials, candidates
    /// and pairs forgotten; `setRemoteCredentials` and `addRemoteCandidate` then take the peer's
    /// new ones and checks select a new pair. Until then data keeps flowing on the pair selected
    /// before. Host candidates stay (their sockets are kept) and are signalled again with the new
    /// credentials; server-reflexive and relayed ones are gathered again on every known server
    /// (`regatherServerCandidates`): a restart usually follows a path change, which stales them.
    /// They come through `onLocalCandidate`, then `nil`, never before this returns. Does nothing
    /// once the agent failed or closed.
    public func restart() {
        guard state != .failed, state != .closed else { return }
        localUfrag = ICECredentials.randomString(length: 8, using: &rng)
        localPassword = ICECredentials.randomString(length: 24, using: &rng)
        if let carrying = carryingPair { previousPair = carrying }
        selectedPair = nil
        remoteUfrag = nil
        remotePassword = nil
        remoteCandidates.removeAll()
        remoteAddresses.removeAll()
        remoteGatheringDone = false
        pairs.removeAll()
        pairKeys.removeAll()
        triggeredQueue.removeAll()
        checkTimer?.cancel()
        nominationTimer?.cancel()
        nominationTimer = nil
        // Checks and consent requests under the old credentials: their answers no longer verify.
        for (id, t) in transactions {
            if case .serverReflexive = t.purpose { continue }
            t.timer?.cancel()
            transactions[id] = nil
        }
        Log.debug("ICE restart: new local credentials \(localUfrag)", "ice")
        regatherServerCandidates()
    }

    public func close() {
        guard state != .closed else { return }
        checkTimer?.cancel()
        nominationTimer?.cancel()
        consentTimer?.cancel()
        disconnectTimer?.cancel()
        for t in transactions.values { t.timer?.cancel() }
        transactions.removeAll()
        // Deallocate (RFC 8656 §8): the Refresh with LIFETIME 0 leaves with the socket's last flush.
        for t in turnClients { t.client.close() }
        for b in hostBases { b.socket.close() }
        setState(.closed)
    }

    // MARK: - State

    func setState(_ new: ICEConnectionState) {
        guard state != new, state != .closed else { return }
        Log.debug("state \(state.rawValue) -> \(new.rawValue)", "ice")
        state = new
        onStateChange?(new)
    }

    func fail(_ reason: String) {
        guard state != .failed, state != .closed else { return }
        failureReason = reason
        checkTimer?.cancel()
        nominationTimer?.cancel()
        consentTimer?.cancel()
        disconnectTimer?.cancel()
        setState(.failed)
    }

    /// Inserts `pair` after every pair of higher or equal priority (what appending and a stable
    /// sort gave, without sorting all pairs per candidate: N candidates cost O(N log N) compares).
    func addPair(_ pair: ICECandidatePair) {
        guard pairKeys.insert(PairKey(base: ObjectIdentifier(pair.base), remote: pair.remote.address)).inserted
        else { return }
        let p = pair.priority(role: role)
        var low = 0, high = pairs.count
        while low < high {
            let mid = (low + high) / 2
            if pairs[mid].priority(role: role) >= p { low = mid + 1 } else { high = mid }
        }
        pairs.insert(pair, at: low)
    }

    func bestValidPair() -> ICECandidatePair? {
        pairs.first { $0.state == .succeeded }
    }

    /// All checks done without a valid pair, and the peer has nothing more to offer.
    func updateFailure() {
        // After a restart whose checks all failed, the old pair carries on while consent holds.
        guard started, selectedPair == nil, previousPair == nil, bestValidPair() == nil, remoteGatheringDone,
              !pairs.isEmpty, pairs.allSatisfy({ $0.state == .failed })
        else { return }
        fail("no candidate pair answered ICE connectivity checks")
    }
}

public enum ICEError: Error, CustomStringConvertible {
    case noAddresses(String)

    public var description: String {
        switch self {
        case let .noAddresses(m): return "ICE gathering failed: \(m)"
        }
    }
}

/// A STUN request in flight and its retransmission state (RFC 8489 §6.2.1).
final class ICETransaction {
    enum Purpose {
        case check(ICECandidatePair, nominating: Bool)
        case consent(ICECandidatePair)
        case serverReflexive(base: ICEBase, server: TransportAddress)
    }

    let id: STUNTransactionID
    let purpose: Purpose
    let packet: [UInt8]
    let destination: TransportAddress
    let base: ICEBase
    let sentAt: LoopInstant
    var attempts = 1
    var rto: Duration
    var timer: ScheduledTask?

    init(id: STUNTransactionID, purpose: Purpose, packet: [UInt8], destination: TransportAddress, base: ICEBase,
         sentAt: LoopInstant, rto: Duration) {
        self.id = id
        self.purpose = purpose
        self.packet = packet
        self.destination = destination
        self.base = base
        self.sentAt = sentAt
        self.rto = rto
    }
}
