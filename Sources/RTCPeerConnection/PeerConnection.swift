import RTCCore
import RTCSDP
import RTCMDNS
import RTCICE
import RTCDTLS
import RTCSCTP
import RTCDataChannel

/// The RTCPeerConnection-like object the CLI drives: it ties ICE → DTLS → SCTP → data channels
/// together (libdatachannel's `initIceTransport`/`initDtlsTransport`/`initSctpTransport` order),
/// beside SRTP media sections on the same bundled path, and speaks the offer/answer model with
/// session descriptions (JSEP, RFC 8829: one BUNDLE group, rtcp-mux, max-bundle).
///
/// All methods must be called on the event loop the connection was created with.
public final class PeerConnection {
    /// Sendable: built on any thread and handed to the loop the connection is made on.
    public struct Configuration: Sendable {
        /// Host candidate addresses (`--ice-host`); nil gathers on every interface.
        public var iceHosts: [TransportAddress]?
        public var stunServers: [TransportAddress] = []
        /// TURN servers for relayed candidates (`--turn`, `--turn-user`, `--turn-pass`).
        public var turnServers: [ICEAgent.TURNServer] = []
        /// ICE transport policy `relay` (`--relay-only`): only relayed candidates.
        public var relayOnly = false
        /// A persistent DTLS identity; nil makes a fresh ECDSA P-256 certificate.
        public var certificate: DTLSCertificate?
        public var consentTimeout: Duration = .seconds(30)
        public var sctpPort: UInt16 = 5000
        public var maxMessageSize = 262_144
        /// SCTP send and receive buffer bytes to start with; on long paths they grow with the
        /// measured round trip (`SCTPConfiguration.maximumBufferSize`).
        public var sctpBufferSize = 1 << 20
        /// Delay and loss applied to everything this peer receives (benchmarks and tests only).
        public var impairment: ImpairedTransport.Impairment?
        /// Resolution of the peer's `.local` (mDNS) host candidates; its socket queries on the
        /// interfaces of `iceHosts` unless `mdns.socket.interfaceAddresses` says otherwise.
        public var mdns = MDNSResolver.Configuration()
        /// Where ICE's sockets come from: the kernel's UDP, or a `VirtualNetwork` in tests.
        public var socketFactory: DatagramSocketFactory = UDPSocketFactory.shared
        /// Whether our offer carries a data-channel section; false for media-only sessions.
        public var dataChannel = true

        public init() {}
    }

    /// `RTCPeerConnectionState`.
    public enum State: String, Sendable {
        case new, connecting, connected, disconnected, failed, closed
    }

    public private(set) var state: State = .new
    public private(set) var failureReason: String?
    public var onStateChange: ((State) -> Void)?
    public var onDataChannel: ((DataChannel) -> Void)?
    /// ICE's own state (`RTCIceConnectionState`): `disconnected` when the peer stopped answering
    /// consent checks for a few seconds, the hint to `restartICE`; back to `connected`/`completed`
    /// when it answers again or a restart selects a new pair. `failed` also fails the connection.
    public var onICEConnectionStateChange: ((ICEConnectionState) -> Void)?
    public var iceConnectionState: ICEConnectionState { ice.state }
    /// Trickled local candidates as browser JSON; nil when gathering is complete.
    public var onLocalCandidate: ((ICECandidateInit?) -> Void)?
    /// The media sections, in the order they were added; `negotiated` tells which were accepted.
    public private(set) var transceivers: [MediaTransceiver] = []

    let loop: EventLoop
    let configuration: Configuration
    let certificate: DTLSCertificate
    /// Made ahead for `certificate` (at start-up or just after this init); DTLS takes it.
    private var dtlsContext: DTLSContext?
    let ice: ICEAgent
    let remoteCandidates: RemoteCandidates
    private(set) var dtls: DTLSTransport?
    private(set) var association: SCTPAssociation?
    private(set) var channels: DataChannelManager?
    private(set) var media: MediaPlane?
    /// Every local candidate of the current ICE generation is known; an ICE restart clears it.
    var gatheringComplete = false
    private var gatheringWaiters: [() -> Void] = []
    private var isOfferer: Bool?
    var remote: RemoteParameters?
    private(set) var localMid = "0"
    /// Our sections of the answer, in the offer's order.
    private var answerMedia: [LocalDescription.Media] = []
    /// Our offer's sections, to match the answer against.
    private var offerMedia: [LocalDescription.Media] = []
    private let sessionID = UInt64.random(in: 1...(1 << 62))

    /// What we keep from the remote description.
    struct RemoteParameters {
        var ufrag: String
        var password: String
        var fingerprints: [DTLSFingerprint]
        var setup: String
        /// The data-channel section's SCTP parameters; nil when no data channel was negotiated.
        var sctp: (port: UInt16, maxMessageSize: Int)?
    }

    /// Gathers candidates right away (host candidates synchronously).
    /// - Throws: when no socket can be bound or the certificate cannot be made.
    public init(loop: EventLoop, configuration: Configuration = Configuration()) throws {
        self.loop = loop
        self.configuration = configuration
        if let given = configuration.certificate {
            certificate = given
        } else if let made = PeerConnectionStartup.takeIdentity() {
            certificate = made.certificate
            dtlsContext = made.context
        } else {
            certificate = try DTLSCertificate.generate()
        }
        var iceConfiguration = ICEAgent.Configuration(hostAddresses: configuration.iceHosts)
        iceConfiguration.stunServers = configuration.stunServers
        iceConfiguration.turnServers = configuration.turnServers
        iceConfiguration.relayOnly = configuration.relayOnly
        iceConfiguration.consentTimeout = configuration.consentTimeout
        iceConfiguration.socketFactory = configuration.socketFactory
        ice = ICEAgent(loop: loop, role: .controlling, configuration: iceConfiguration)
        var mdns = configuration.mdns
        if mdns.socket.interfaceAddresses == nil { mdns.socket.interfaceAddresses = configuration.iceHosts }
        remoteCandidates = RemoteCandidates(agent: ice, resolver: MDNSResolver(loop: loop, configuration: mdns))
        ice.onLocalCandidate = { [weak self] c in self?.localCandidate(c) }
        ice.onStateChange = { [weak self] s in self?.iceStateChanged(s) }
        try ice.gather()
        // usrsctp's one-time global set-up (~0.5 ms) otherwise runs when DTLS connects, and
        // OpenSSL's first HMAC fetch (~1 ms) at the first check, both on the critical path of
        // setup; run them once the current task (making the offer) is done, and only for the
        // process's first connection (a server's later ones find them done). After
        // `PeerConnectionStartup.begin()` its own thread does this.
        if !PeerConnectionStartup.begun {
            loop.enqueue { PeerConnectionStartup.warmUp() }
        }
        // Likewise this connection's OpenSSL context (~0.3 ms), before the remote description.
        if dtlsContext == nil {
            loop.enqueue { [weak self] in
                guard let self, self.dtlsContext == nil, self.dtls == nil else { return }
                self.dtlsContext = try? DTLSContext(certificate: self.certificate)
            }
        }
    }

    /// Runs `body` once every local candidate is known (or now, when `orNow` — trickle).
    public func whenGatheringComplete(orNow: Bool = false, _ body: @escaping () -> Void) {
        if gatheringComplete || orNow { body() } else { gatheringWaiters.append(body) }
    }

    /// Whether every local candidate is known (`onLocalCandidate(nil)` has been called).
    public var isGatheringComplete: Bool { gatheringComplete }

    /// The candidates of the pair ICE carries data on (`kind == .relay` means through TURN).
    public var selectedCandidatePair: (local: ICECandidate, remote: ICECandidate)? { ice.selectedCandidates }

    // MARK: - Offer/answer

    /// Adds a media section (`addTransceiver`). Before `createOffer`, it becomes one of the
    /// offer's sections; before `setRemoteDescription(offer)`, it accepts the first offered
    /// section of its kind that lists its codec (others are rejected).
    @discardableResult
    public func addTransceiver(_ request: MediaTransceiverInit) -> MediaTransceiver {
        let t = MediaTransceiver(mid: String(transceivers.count + 1), request: request)
        transceivers.append(t)
        return t
    }

    /// The offer: the data-channel section (unless `configuration.dataChannel` is false) and
    /// one section per transceiver. The offerer is ICE-controlling and `actpass`.
    /// - Parameter endOfCandidates: false leaves `a=end-of-candidates` out even when gathering is
    ///   complete: the application trickles the end later (it may learn more servers first).
    public func createOffer(endOfCandidates: Bool = true) -> SessionDescriptionInit {
        isOfferer = true
        var sections: [LocalDescription.Media] = []
        if configuration.dataChannel { sections.append(LocalDescription.Media(mid: "0", content: .application)) }
        localMid = sections.first?.mid ?? "1"
        for (index, t) in transceivers.enumerated() {
            t.mid = String(index + 1)
            let codec = t.request.codec
            t.negotiated = NegotiatedMedia(
                mid: t.mid, codec: codec, payloadType: codec.defaultPayloadType,
                formatParameters: codec.defaultFormatParameters, direction: t.request.direction,
                feedback: NegotiatedMedia.offeredFeedback(for: codec), remoteSSRCs: [],
                rtxPayloadType: codec.defaultRTXPayloadType)
            sections.append(LocalDescription.Media(
                mid: t.mid, content: .rtp(t.negotiated!, ssrc: t.ssrc, rtxSSRC: t.rtxSSRC)))
        }
        offerMedia = sections
        var description = localDescription(setup: "actpass", media: sections)
        description.gatheringComplete = description.gatheringComplete && endOfCandidates
        return SessionDescriptionInit(type: .offer, sdp: description.sdp())
    }

    /// The answer to the remote offer: we take the first data-channel section and, per media
    /// section, the first transceiver of its kind whose codec it lists; the rest is rejected.
    /// We pick DTLS `active` unless the offerer insisted on it (RFC 8842 §5.2).
    /// - Throws: `PeerConnectionError` when no offer was set.
    public func createAnswer() throws -> SessionDescriptionInit {
        guard isOfferer == false, let remote else { throw PeerConnectionError.noRemoteOffer }
        let setup = remote.setup == "active" ? "passive" : "active"
        return SessionDescriptionInit(type: .answer, sdp: localDescription(setup: setup, media: answerMedia).sdp())
    }

    private func localDescription(setup: String, media: [LocalDescription.Media]) -> LocalDescription {
        LocalDescription(
            sessionID: sessionID, iceUfrag: ice.localUfrag, icePassword: ice.localPassword,
            fingerprint: certificate.fingerprint.hexValue, setup: setup, candidates: ice.localCandidates,
            gatheringComplete: gatheringComplete, trickle: onLocalCandidate != nil,
            sctpPort: configuration.sctpPort, maxMessageSize: configuration.maxMessageSize, media: media)
    }

    /// Applies the peer's offer or answer: ICE credentials and candidates, fingerprint, roles,
    /// and which sections carry what.
    /// - Throws: `SDPError` for malformed SDP, `PeerConnectionError` for SDP we cannot use.
    public func setRemoteDescription(_ description: SessionDescriptionInit) throws {
        let sdp = try SessionDescription.parse(description.sdp)
        let offer = description.type == .offer
        if offer { isOfferer = false } else if isOfferer != true { throw PeerConnectionError.unexpectedAnswer }

        let app = sdp.media.first { $0.type == "application" && $0.proto.containsText("SCTP") && !$0.isRejected }
        let settled = offer ? matchOffer(sdp, app: app) : matchAnswer(sdp)
        let carrying = sdp.media.enumerated().filter { index, m in
            m == app || settled.contains { $0.mid == (m.mid ?? String(index)) }
        }.map(\.element)
        // Every bundled section shares one transport (RFC 9143); its parameters may sit in any.
        guard let transport = carrying.first else {
            throw settled.isEmpty && transceivers.isEmpty
                ? PeerConnectionError.noDataChannelSection : PeerConnectionError.nothingToAccept
        }
        guard let ufrag = sdp.iceUfrag(for: transport), let pwd = sdp.icePwd(for: transport) else {
            throw PeerConnectionError.missing("a=ice-ufrag / a=ice-pwd")
        }
        let fingerprints = sdp.fingerprints(for: transport).compactMap { try? DTLSFingerprint(sdpValue: "\($0.type) \($0.hash)") }
        guard !fingerprints.isEmpty else { throw PeerConnectionError.missing("a=fingerprint") }
        let setup = sdp.setup(for: transport) ?? "actpass"
        if !offer && setup == "actpass" { throw PeerConnectionError.badSetup("an answer must not say a=setup:actpass") }

        remote = RemoteParameters(
            ufrag: ufrag, password: pwd, fingerprints: fingerprints, setup: setup,
            sctp: app.map { app in
                (UInt16(clamping: app.sctpPort ?? app.sctpmap.map { Int($0.sctpmapNumber) } ?? 5000),
                 app.maxMessageSize ?? 65536)
            })
        for t in transceivers { t.negotiated = settled.first { $0.mid == t.mid } }
        if offer { ice.switchRole(to: sdp.iceLite ? .controlling : .controlled) }
        ice.setRemoteCredentials(ufrag: ufrag, password: pwd)
        // Candidates of every carrying section: they describe the one bundled transport.
        for m in carrying { for c in m.candidates { remoteCandidates.add(c) } }
        if carrying.contains(where: \.endOfCandidates) { remoteCandidates.end() }
        try buildTransports()
        setState(.connecting)
        ice.start()
    }

    /// Decides our answer section by section: the data channel, media our transceivers take, and
    /// port 0 for the rest. Returns the media settled.
    private func matchOffer(_ sdp: SessionDescription, app: MediaDescription?) -> [NegotiatedMedia] {
        var free = transceivers
        var settled: [NegotiatedMedia] = []
        answerMedia = sdp.media.enumerated().map { index, m in
            let mid = m.mid ?? String(index)
            if m == app {
                localMid = mid
                return LocalDescription.Media(mid: mid, content: .application)
            }
            if m.proto.containsText("RTP"), let i = free.firstIndex(where: {
                NegotiatedMedia.answering(m, mid: mid, wish: $0.request) != nil
            }) {
                let t = free.remove(at: i)
                let n = NegotiatedMedia.answering(m, mid: mid, wish: t.request)!
                t.mid = mid
                settled.append(n)
                if app == nil && settled.count == 1 { localMid = mid }
                return LocalDescription.Media(mid: mid, content: .rtp(n, ssrc: t.ssrc, rtxSSRC: t.rtxSSRC))
            }
            return LocalDescription.Media(mid: mid, content: .rejected(LocalDescription.RejectedMedia(
                type: m.type, proto: m.proto, formats: m.formats.joined(separator: " "))))
        }
        return settled
    }

    /// Our offered media as the answer settled it (a section it rejected is dropped).
    private func matchAnswer(_ sdp: SessionDescription) -> [NegotiatedMedia] {
        transceivers.compactMap { t in
            guard let proposed = t.negotiated, let m = sdp.media.first(where: { $0.mid == t.mid }) else { return nil }
            return proposed.accepting(m)
        }
    }

    /// A trickled remote candidate; nil means end-of-candidates.
    /// - Throws: `SDPError` when the candidate line is malformed (ports, lengths and characters
    ///   are checked by `SDPCandidate`), `PeerConnectionError.tooManyCandidates` past the cap.
    public func addRemoteCandidate(_ candidate: ICECandidateInit?) throws {
        guard let candidate else {
            remoteCandidates.end()
            return
        }
        var text = candidate.candidate
        if text.hasPrefix("a=") { text.removeFirst(2) }
        if text.hasPrefix("candidate:") { text.removeFirst("candidate:".count) }
        if !remoteCandidates.add(try SDPCandidate(attributeValue: text)) {
            throw PeerConnectionError.tooManyCandidates(ICEAgent.maxRemoteCandidates)
        }
    }

    // MARK: - Channels

    /// Creates a channel; it opens once the association is up. Stream ids depend on the DTLS
    /// role, which the remote description settles, so call this after `setRemoteDescription`.
    /// - Throws: `PeerConnectionError.noRemoteDescription` before that, `DataChannelError` for
    ///   bad options.
    public func createDataChannel(label: String, options: DataChannelInit = DataChannelInit()) throws -> DataChannel {
        guard let channels else { throw PeerConnectionError.noRemoteDescription }
        return try channels.createDataChannel(label: label, options: options)
    }

    public func close() {
        guard state != .closed else { return }
        association?.close()
        media?.close()
        dtls?.close()
        remoteCandidates.close()
        ice.close()
        setState(.closed)
    }

    // MARK: - Layers coming up

    private func localCandidate(_ c: ICECandidate?) {
        if let c {
            onLocalCandidate?(ICECandidateInit(candidate: c.description, sdpMid: localMid, sdpMLineIndex: 0))
            return
        }
        gatheringComplete = true
        onLocalCandidate?(nil)
        let waiters = gatheringWaiters
        gatheringWaiters.removeAll()
        for w in waiters { w() }
    }

    private func iceStateChanged(_ s: ICEConnectionState) {
        onICEConnectionStateChange?(s)
        switch s {
        case .connected, .completed:
            dtls?.start(roundTripTime: ice.checkRoundTripTime)
        case .failed:
            fail(ice.failureReason ?? "ICE failed")
        default:
            break
        }
    }

    /// Builds DTLS, SCTP and the channel manager (when a data channel was negotiated) and the
    /// media plane (when media was) once roles are known; they start as the layer below connects.
    private func buildTransports() throws {
        guard dtls == nil, let remote else { return }
        // The answerer's a=setup decides (RFC 8842 §5.2): active is the DTLS client.
        let weAreClient = isOfferer == true ? remote.setup == "passive" : remote.setup != "active"
        let path: PacketTransport = configuration.impairment.map {
            ImpairedTransport(loop: loop, lower: ice, impairment: $0)
        } ?? ice
        let demux = PacketDemux(lower: path)
        var dtlsConfiguration = DTLSTransport.Configuration(
            loop: loop, role: weAreClient ? .client : .server, certificate: certificate,
            remoteFingerprints: remote.fingerprints)
        dtlsConfiguration.preparedContext = dtlsContext
        dtlsContext = nil
        let transport = try DTLSTransport(configuration: dtlsConfiguration, lower: demux)
        transport.onStateChange = { [weak self] state in self?.dtlsStateChanged(state) }
        dtls = transport
        ice.onPeerCheck = { [weak transport] nominating in transport?.peerIsListening(nominating: nominating) }
        if transceivers.contains(where: { $0.negotiated != nil }) {
            media = MediaPlane(loop: loop, demux: demux, transceivers: transceivers)
        }

        guard let sctpParameters = remote.sctp else { return }
        var c = SCTPConfiguration()
        c.localPort = configuration.sctpPort
        c.remotePort = sctpParameters.port
        c.maxMessageSize = Self.sendLimit(local: configuration.maxMessageSize, remote: sctpParameters.maxMessageSize)
        c.sendBufferSize = configuration.sctpBufferSize
        c.receiveBufferSize = configuration.sctpBufferSize
        let sctp = SCTPAssociation(loop: loop, lower: transport, config: c)
        let manager = DataChannelManager(association: sctp, isDTLSClient: weAreClient)
        manager.onDataChannel = { [weak self] ch in self?.onDataChannel?(ch) }
        let managerCallback = sctp.onStateChange
        sctp.onStateChange = { [weak self] s in
            managerCallback?(s)
            self?.sctpStateChanged(s)
        }
        association = sctp
        channels = manager
    }

    private func dtlsStateChanged(_ s: DTLSTransportState) {
        switch s {
        case .connected:
            if let media {
                guard let keying = dtls?.srtpKeyingMaterial else {
                    return fail("DTLS negotiated no SRTP profile (use_srtp, RFC 5764) for the media sections")
                }
                do {
                    try media.start(keying: keying)
                } catch {
                    return fail("SRTP failed to start: \(error)")
                }
            }
            guard let association else { return setState(.connected) }
            do {
                try association.start()
            } catch {
                fail("SCTP failed to start: \(error)")
            }
        case let .failed(error):
            fail("DTLS failed: \(error)")
        case .closed:
            if state == .connected { setState(.disconnected) }
        default:
            break
        }
    }

    private func sctpStateChanged(_ s: SCTPAssociationState) {
        switch s {
        case .connected:
            setState(.connected)
        case .failed:
            fail("SCTP association failed")
        case .closed:
            if state == .connected { setState(.disconnected) }
        default:
            break
        }
    }

    private func fail(_ reason: String) {
        guard state != .failed, state != .closed else { return }
        failureReason = reason
        setState(.failed)
    }

    private func setState(_ s: State) {
        guard state != s else { return }
        state = s
        onStateChange?(s)
    }
}

public enum PeerConnectionError: Error, CustomStringConvertible {
    case noRemoteOffer
    case noRemoteDescription
    case unexpectedAnswer
    case noDataChannelSection
    /// The offer has no section we take (no data channel, no media our transceivers accept).
    case nothingToAccept
    case missing(String)
    case badSetup(String)
    /// The peer trickled more candidates than the agent keeps.
    case tooManyCandidates(Int)
    /// An ICE restart asked for in a state that has none (why).
    case restartImpossible(String)
    /// ICE credentials outside RFC 8839's lengths (ufrag 4–256, pwd 22–256 characters).
    case badICECredentials

    public var description: String {
        switch self {
        case let .restartImpossible(why): return "cannot restart ICE: \(why)"
        case .badICECredentials: return "ICE credentials out of range (ufrag 4-256, pwd 22-256 characters)"
        case .noRemoteOffer: return "no remote offer to answer"
        case .noRemoteDescription: return "set the remote description first"
        case .unexpectedAnswer: return "got an answer without having made an offer"
        case .noDataChannelSection: return "the description has no data-channel (m=application ... SCTP) section"
        case .nothingToAccept: return "the description has no section we take (no data channel, no media of the asked kinds and codecs)"
        case let .missing(what): return "the description lacks \(what)"
        case let .badSetup(why): return "bad a=setup: \(why)"
        case let .tooManyCandidates(n): return "more than the limit of \(n) remote candidates"
        }
    }
}

extension ICECandidate {
    /// A UDP candidate from its SDP form; nil for TCP, unresolved mDNS names and other families.
    init?(_ c: SDPCandidate) {
        guard c.transport.lowercased() == "udp", let address = TransportAddress(host: c.ip, port: UInt16(clamping: c.port)),
              let kind = Kind(rawValue: c.type)
        else { return nil }
        let related = c.raddr.flatMap { r in c.rport.flatMap { TransportAddress(host: r, port: UInt16(clamping: $0)) } }
        self.init(foundation: c.foundation, component: c.component, transport: "udp",
                  priority: UInt32(clamping: c.priority), address: address, kind: kind, relatedAddress: related)
    }
}
