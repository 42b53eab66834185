import Testing
@testable import RTCCore
@testable import RTCSTUN
@testable import RTCICE
@testable import RTCVirtualNetwork
@testable import RTCDataChannel
@testable import RTCPeerConnection
import RTCTestSupport

/// The NAT scenarios of Scripts/nat-scenarios (and the cone kinds it cannot make with iptables),
/// built on a `VirtualNetwork`: no root, no sockets, manual clock.
enum NATScenario: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case openInternet = "open-internet"
    case fullCone = "full-cone"
    case restrictedCone = "restricted-cone"
    case portRestrictedCone = "port-restricted-cone"
    case symmetric
    case udpBlocked = "udp-blocked"

    var testDescription: String { rawValue }
    var expected: NATType { NATType(rawValue: rawValue)! }

    /// Mapping and filtering of the NAT; nil for no NAT.
    var behaviours: (NATBehavior, NATBehavior)? {
        switch self {
        case .openInternet: return nil
        case .fullCone: return (.endpointIndependent, .endpointIndependent)
        case .restrictedCone: return (.endpointIndependent, .addressDependent)
        case .portRestrictedCone, .udpBlocked: return (.endpointIndependent, .addressAndPortDependent)
        case .symmetric: return (.addressAndPortDependent, .addressAndPortDependent)
        }
    }
}

/// The scripts' topology: a STUN server with two public IPs, and a client that is on the
/// internet itself (open) or behind a NAT at `publicIP`.
final class NATWorld {
    let loop = ManualEventLoop()
    let net: VirtualNetwork
    let server: VirtualSTUNServer
    let publicIP: [UInt8]

    init(seed: UInt64 = 1) throws {
        net = VirtualNetwork(loop: loop, seed: seed)
        let serverHost = net.internet.addHost([198, 51, 100, 1], [198, 51, 100, 2])
        server = try VirtualSTUNServer(host: serverHost, loop: loop, ips: [[198, 51, 100, 1], [198, 51, 100, 2]])
        publicIP = [198, 51, 100, 100]
    }

    /// A client host placed as `scenario` says; `index` keeps several apart (public IP .100+index).
    func client(_ scenario: NATScenario, index: UInt8 = 0) -> VirtualHost {
        guard let (mapping, filtering) = scenario.behaviours else {
            return net.internet.addHost([198, 51, 100, 50 + index])
        }
        let nat = net.internet.addNAT(publicIP: [198, 51, 100, 100 + index], mapping: mapping, filtering: filtering,
                                      uplink: VirtualLink(loss: scenario == .udpBlocked ? 1 : 0))
        return nat.addHost([10, 0, index, 2])
    }
}

@Suite struct VirtualNetworkTests {
    // MARK: The network itself

    @Test func delayLossAndMTUApplyPerLink() throws {
        let loop = ManualEventLoop()
        let net = VirtualNetwork(loop: loop, seed: 7)
        let a = net.internet.addHost([192, 0, 2, 1], link: VirtualLink(delay: .milliseconds(20), mtu: 1200))
        let b = net.internet.addHost([192, 0, 2, 2], link: VirtualLink(delay: .milliseconds(30)))
        let sa = try a.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 1, port: 0))
        let sb = try b.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 2, port: 9))
        var arrivals: [(Int, LoopInstant, TransportAddress)] = []
        sb.onDatagram = { bytes, from in arrivals.append((bytes.count, loop.now, from)) }
        let start = loop.now
        sa.send([UInt8](repeating: 1, count: 1172), to: sb.localAddress)  // 1200 with headers: passes
        sa.send([UInt8](repeating: 2, count: 1173), to: sb.localAddress)  // 1201: dropped at a's link
        loop.advance(by: .milliseconds(49))
        #expect(arrivals.isEmpty)
        loop.advance(by: .milliseconds(1))
        #expect(arrivals.map(\.0) == [1172])
        #expect(arrivals.first.map { $0.1.since(start) } == .milliseconds(50))
        #expect(arrivals.first?.2 == sa.localAddress)
        #expect(net.dropped == 1)

        // Seeded loss: the same seed drops the same datagrams.
        func lossPattern(seed: UInt64) throws -> [Int] {
            let loop = ManualEventLoop()
            let net = VirtualNetwork(loop: loop, seed: seed)
            let a = net.internet.addHost([192, 0, 2, 1], link: VirtualLink(loss: 0.3))
            let b = net.internet.addHost([192, 0, 2, 2])
            let sa = try a.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 1, port: 0))
            let sb = try b.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 2, port: 9))
            var got: [Int] = []
            sb.onDatagram = { bytes, _ in got.append(Int(bytes[0])) }
            for i in 0..<200 { sa.send([UInt8(i)], to: sb.localAddress) }
            loop.run()
            return got
        }
        let first = try lossPattern(seed: 3)
        #expect(first == (try lossPattern(seed: 3)))
        #expect(first != (try lossPattern(seed: 4)))
        #expect((100...180).contains(first.count), "\(first.count) of 200 arrived at 30 % loss")
    }

    @Test func jitterReordersDatagrams() throws {
        let loop = ManualEventLoop()
        let net = VirtualNetwork(loop: loop)
        let a = net.internet.addHost([192, 0, 2, 1], link: VirtualLink(delay: .milliseconds(10), jitter: .milliseconds(10)))
        let b = net.internet.addHost([192, 0, 2, 2])
        let sa = try a.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 1, port: 0))
        let sb = try b.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 2, port: 9))
        var got: [UInt8] = []
        sb.onDatagram = { bytes, _ in got.append(bytes[0]) }
        for i in 0..<50 { sa.send([UInt8(i)], to: sb.localAddress) }
        loop.advance(by: .milliseconds(20))
        #expect(got.count == 50)
        #expect(got != got.sorted())
    }

    /// RFC 4787 §5 on raw sockets: what each filtering behaviour lets in after one datagram out.
    @Test(arguments: [NATBehavior.endpointIndependent, .addressDependent, .addressAndPortDependent])
    func filteringAdmitsWhatTheBehaviourSays(filtering: NATBehavior) throws {
        let loop = ManualEventLoop()
        let net = VirtualNetwork(loop: loop)
        let nat = net.internet.addNAT(publicIP: [203, 0, 113, 1], mapping: .endpointIndependent, filtering: filtering)
        let inside = try nat.addHost([10, 0, 0, 2]).makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 10, 0, 0, 2, port: 0))
        let server = net.internet.addHost([192, 0, 2, 1], [192, 0, 2, 2])
        let contacted = try server.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 1, port: 1000))
        let otherPort = try server.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 1, port: 1001))
        let otherIP = try server.makeSocket(loop: loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 2, port: 1000))
        var mapped: TransportAddress?
        contacted.onDatagram = { _, from in mapped = from }
        var heard: [TransportAddress] = []
        inside.onDatagram = { _, from in heard.append(from) }
        inside.send([1], to: contacted.localAddress)
        loop.run()
        let m = try #require(mapped)
        #expect(m == TransportAddress(ipv4: 203, 0, 113, 1, port: 40000))
        for s in [contacted, otherPort, otherIP] { s.send([2], to: m) }
        loop.run()
        let expected: [TransportAddress]
        switch filtering {
        case .endpointIndependent: expected = [contacted, otherPort, otherIP].map(\.localAddress)
        case .addressDependent: expected = [contacted, otherPort].map(\.localAddress)
        case .addressAndPortDependent: expected = [contacted.localAddress]
        }
        #expect(heard == expected)
    }

    // MARK: STUN through each NAT

    /// `stun-probe`'s RFC 5780 discovery gives the verdicts Scripts/nat-scenarios expects.
    @Test(arguments: NATScenario.allCases)
    func discoveryClassifiesTheNAT(scenario: NATScenario) throws {
        let w = try NATWorld()
        let host = w.client(scenario)
        let socket = try host.makeSocket(loop: w.loop, bindTo: try #require(host.addresses.first))
        let client = STUNClient(loop: w.loop, socket: socket)
        let discovery = NATBehaviorDiscovery(client: client, server: w.server.primary, local: socket.localAddress,
                                             configuration: .init(testTimeout: .milliseconds(1500)))
        var result: NATBehaviorResult?
        discovery.start { result = $0 }
        #expect(w.loop.advance(until: { result != nil }, step: .milliseconds(50), limit: .seconds(30)))
        let r = try #require(result)
        #expect(r.nat == scenario.expected, "\(r.tests)")
        #expect(r.impossible.isEmpty)
        switch scenario {
        case .udpBlocked:
            #expect(r.mapped == nil)
        case .openInternet:
            #expect(r.mapped == socket.localAddress.description)
            #expect(r.natDetected == false)
        default:
            #expect(r.mapped == TransportAddress(ip: w.publicIP, port: 40000)!.description)
            #expect(r.mapping == scenario.behaviours?.0)
            if scenario != .symmetric { #expect(r.filtering == scenario.behaviours?.1) }
            #expect(r.hairpinning == false)
        }
    }

    /// ICE gathering behind each NAT: the server-reflexive candidate is the NAT's mapping.
    @Test(arguments: NATScenario.allCases)
    func iceGathersTheServerReflexiveCandidate(scenario: NATScenario) throws {
        let w = try NATWorld()
        let host = w.client(scenario)
        var config = ICEAgent.Configuration(hostAddresses: host.addresses)
        config.stunServers = [w.server.primary]
        config.socketFactory = host
        let agent = ICEAgent(loop: w.loop, role: .controlling, configuration: config, rng: SplitMix64(seed: 5))
        var done = false
        agent.onLocalCandidate = { if $0 == nil { done = true } }
        try agent.gather()
        #expect(w.loop.advance(until: { done }, step: .milliseconds(50), limit: .seconds(60)))
        let hostCandidate = try #require(agent.localCandidates.first { $0.kind == .host })
        #expect(hostCandidate.address.ip == host.addresses[0].ip)
        let srflx = agent.localCandidates.filter { $0.kind == .srflx }
        switch scenario {
        case .openInternet, .udpBlocked:
            #expect(srflx.isEmpty)
        default:
            #expect(srflx.map(\.address) == [TransportAddress(ip: w.publicIP, port: 40000)!])
            #expect(srflx.first?.relatedAddress == hostCandidate.address)
        }
        // A blocked uplink drops every request before the server; otherwise the server answered.
        #expect((w.server.requests == 0) == (scenario == .udpBlocked))
        agent.close()
    }

    /// RFC 4787 §6 hairpinning, as the discovery's hairpin test sees it.
    @Test(arguments: [false, true])
    func hairpinningIsReportedAsConfigured(hairpinning: Bool) throws {
        let w = try NATWorld()
        let nat = w.net.internet.addNAT(publicIP: w.publicIP, mapping: .endpointIndependent,
                                        filtering: .endpointIndependent, hairpinning: hairpinning)
        let host = nat.addHost([10, 0, 0, 2])
        let socket = try host.makeSocket(loop: w.loop, bindTo: TransportAddress(ipv4: 10, 0, 0, 2, port: 0))
        let client = STUNClient(loop: w.loop, socket: socket)
        let discovery = NATBehaviorDiscovery(client: client, server: w.server.primary, local: socket.localAddress)
        var result: NATBehaviorResult?
        discovery.start { result = $0 }
        #expect(w.loop.advance(until: { result != nil }, step: .milliseconds(50), limit: .seconds(30)))
        let r = try #require(result)
        #expect(r.nat == .fullCone)
        #expect(r.hairpinning == hairpinning)
    }
}

/// Whole peer connections drive usrsctp, whose clock is process-wide: serialized with the other
/// SCTP suites (see `SCTPTimerDriver`).
extension USRSCTPSuites {
    @Suite struct VirtualPeerConnectionTests {
        // MARK: Two whole peer connections

        /// Offer/answer, ICE through the NATs, DTLS, SCTP and a data channel, in one process.
        /// Without TURN, a symmetric NAT cannot reach a port-restricted one: ICE fails.
        @Test(arguments: [
            (NATScenario.portRestrictedCone, NATScenario.portRestrictedCone, true),
            (.fullCone, .symmetric, true),
            (.openInternet, .restrictedCone, true),
            (.symmetric, .portRestrictedCone, false),
        ])
        func peerConnectionsConnectThroughNATs(a: NATScenario, b: NATScenario, connects: Bool) throws {
            let w = try NATWorld()
            let (pa, pb) = try Self.negotiate(w, w.client(a, index: 0), w.client(b, index: 1))
            defer { pa.close(); pb.close() }
            let channel = try pa.createDataChannel(label: "vnet")
            var received: [DataChannelMessage] = []
            var remoteChannel: DataChannel?
            pb.onDataChannel = { ch in
                remoteChannel = ch
                ch.onMessage = { received.append($0) }
            }
            channel.onOpen = { try? channel.send(text: "hello through \(a.rawValue) and \(b.rawValue)") }

            if connects {
                #expect(w.loop.advance(until: { received.count == 1 }, step: .milliseconds(10), limit: .seconds(30)))
                #expect(received == [.text("hello through \(a.rawValue) and \(b.rawValue)")])
                #expect(pa.state == .connected && pb.state == .connected)
                try remoteChannel?.send(binary: [1, 2, 3])
                var back: [DataChannelMessage] = []
                channel.onMessage = { back.append($0) }
                #expect(w.loop.advance(until: { back.count == 1 }, step: .milliseconds(10), limit: .seconds(5)))
                #expect(back == [.binary([1, 2, 3])])
            } else {
                #expect(w.loop.advance(until: { pa.state == .failed || pb.state == .failed },
                                       step: .milliseconds(100), limit: .seconds(120)))
                #expect(received.isEmpty)
            }
        }

        /// Two peer connections on `hostA` and `hostB`, gathered and through offer/answer (non-trickle).
        /// `configure` adds to both configurations (TURN servers, relay policy).
        static func negotiate(_ w: NATWorld, _ hostA: VirtualHost, _ hostB: VirtualHost,
                              configure: (inout PeerConnection.Configuration) -> Void = { _ in }) throws
            -> (PeerConnection, PeerConnection) {
            func make(_ host: VirtualHost) throws -> PeerConnection {
                var c = PeerConnection.Configuration()
                c.iceHosts = host.addresses
                c.stunServers = [w.server.primary]
                c.socketFactory = host
                configure(&c)
                return try PeerConnection(loop: w.loop, configuration: c)
            }
            let pa = try make(hostA), pb = try make(hostB)
            var gatheredA = false, gatheredB = false
            pa.whenGatheringComplete { gatheredA = true }
            pb.whenGatheringComplete { gatheredB = true }
            #expect(w.loop.advance(until: { gatheredA && gatheredB }, step: .milliseconds(50), limit: .seconds(60)))
            try pb.setRemoteDescription(pa.createOffer())
            try pa.setRemoteDescription(pb.createAnswer())
            return (pa, pb)
        }

        /// The same over a long, reordering path (20 ms each way per host link plus up to 5 ms of
        /// jitter), with 5 % loss per link (seeded) once the channel is open: SCTP retransmits on
        /// the manual clock and 200 messages arrive in order (reliable ordered channel).
        ///
        /// Loss starts only after the handshake because OpenSSL times DTLS handshake retransmission
        /// on the wall clock (see `DTLSTransport`): a lost flight would make the run depend on real time.
        @Test(arguments: [UInt64](1...6))
        func peerConnectionsSurviveDelayLossAndReordering(seed: UInt64) throws {
            let w = try NATWorld(seed: seed)
            let path = VirtualLink(delay: .milliseconds(20), jitter: .milliseconds(5))
            let hostA = w.client(.portRestrictedCone, index: 0), hostB = w.client(.fullCone, index: 1)
            hostA.link = path
            hostB.link = path
            let (pa, pb) = try Self.negotiate(w, hostA, hostB)
            defer { pa.close(); pb.close() }
            let channel = try pa.createDataChannel(label: "lossy")
            var received: [DataChannelMessage] = []
            pb.onDataChannel = { ch in ch.onMessage = { received.append($0) } }
            channel.onOpen = {
                hostA.link.loss = 0.05
                hostB.link.loss = 0.05
                for i in 0..<200 { try? channel.send(text: "m\(i)") }
            }
            let ok = w.loop.advance(until: { received.count == 200 }, step: .milliseconds(10), limit: .seconds(60))
            #expect(ok, "seed \(seed): \(received.count) received, states \(pa.state) \(pb.state) \(pa.setupPhase) \(pb.setupPhase) ice \(pa.ice.state) \(pb.ice.state), dropped \(w.net.dropped)")
            #expect(received == (0..<200).map { .text("m\($0)") })
            #expect(w.net.dropped > 0)
        }
    }
}
