import Testing
@testable import RTCCore
@testable import RTCSTUN
@testable import RTCTURN
@testable import RTCICE
@testable import RTCVirtualNetwork
@testable import RTCDataChannel
@testable import RTCPeerConnection
import RTCTestSupport

/// TURN (RFC 8656) on the virtual network: our `TURNClient` against `VirtualTURNServer`, and the
/// relay outcome of the NAT matrix (both peers behind symmetric NATs) that Scripts/nat-e2e checks
/// with coturn in namespaces.
extension NATWorld {
    static let turnIP: [UInt8] = [198, 51, 100, 10]
    static let turnUser = "alice"
    static let turnPassword = "wonderland"

    /// A TURN server on its own public host, port 3478, relaying from the same IP.
    func addTURNServer() throws -> VirtualTURNServer {
        let host = net.internet.addHost(Self.turnIP)
        return try VirtualTURNServer(factory: host, loop: loop, listen: TransportAddress(ip: Self.turnIP, port: 3478)!,
                                     configuration: .init(users: [Self.turnUser: Self.turnPassword]))
    }
}

@Suite struct VirtualTURNServerTests {
    /// A TURN client behind a symmetric NAT, and two peers on the internet.
    final class World {
        let w: NATWorld
        let server: VirtualTURNServer
        let socket: DatagramSocket
        let client: TURNClient
        let permitted: DatagramSocket
        let permittedOtherPort: DatagramSocket
        let stranger: DatagramSocket
        var atClient: [([UInt8], TransportAddress)] = []
        var atPeers: [TransportAddress: [[UInt8]]] = [:]

        init(password: String = NATWorld.turnPassword, configuration: TURNClient.Configuration = .init()) throws {
            w = try NATWorld()
            server = try w.addTURNServer()
            let host = w.client(.symmetric)
            socket = try host.makeSocket(loop: w.loop, bindTo: host.addresses[0])
            client = TURNClient(loop: w.loop, socket: socket, server: server.address, username: NATWorld.turnUser,
                                password: password, configuration: configuration)
            let peers = w.net.internet.addHost([192, 0, 2, 1], [192, 0, 2, 2])
            permitted = try peers.makeSocket(loop: w.loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 1, port: 5000))
            permittedOtherPort = try peers.makeSocket(loop: w.loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 1, port: 5001))
            stranger = try peers.makeSocket(loop: w.loop, bindTo: TransportAddress(ipv4: 192, 0, 2, 2, port: 5000))
            client.onData = { [unowned self] bytes, peer in self.atClient.append((bytes, peer)) }
            for s in [permitted, permittedOtherPort, stranger] {
                let at = s.localAddress
                s.onDatagram = { [unowned self] bytes, _ in self.atPeers[at, default: []].append(bytes) }
            }
        }

        func allocate() -> Result<TransportAddress, TURNError>? {
            var result: Result<TransportAddress, TURNError>?
            client.allocate { result = $0 }
            w.loop.advance(until: { result != nil }, step: .milliseconds(10), limit: .seconds(15))
            return result
        }

        func wait<T>(_ start: (@escaping (Result<T, TURNError>) -> Void) -> Void) -> Result<T, TURNError>? {
            var result: Result<T, TURNError>?
            start { result = $0 }
            w.loop.advance(until: { result != nil }, step: .milliseconds(10), limit: .seconds(15))
            return result
        }

        /// Delivers what is in flight (the links have no delay: everything arrives now).
        func settle() { w.loop.run() }
    }

    /// Long-term credentials: the first Allocate gets 401 with REALM and NONCE, the retry with
    /// MESSAGE-INTEGRITY succeeds; the relayed address is on the server, the mapped one the NAT's.
    @Test func allocateAuthenticatesAndRelaysFromTheServer() throws {
        let t = try World()
        let relayed = try #require(try t.allocate()?.get())
        #expect(relayed.ip == NATWorld.turnIP)
        #expect(t.client.mappedAddress == TransportAddress(ip: t.w.publicIP, port: 40000))
        #expect(t.client.lifetime == 600)
        #expect(t.server.allocationCount == 1)
        #expect(t.server.counters.allocations == 1)
        #expect(t.server.counters.rejectedCredentials == 0)

        // Refreshed before it expires (TURNClient: 60 s before), so it outlives its 600 s.
        t.w.loop.advance(by: .seconds(1300))
        #expect(t.server.counters.refreshes == 2)
        #expect(t.server.allocationCount == 1)
        #expect(t.client.state == .allocated)

        // Deallocation (Refresh with LIFETIME 0) frees the relayed address.
        var closed = false
        t.client.close { closed = true }
        #expect(t.w.loop.advance(until: { closed }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(t.server.allocationCount == 0)
    }

    /// A wrong password: 401 even with credentials, and no allocation.
    @Test func wrongPasswordIsRefused() throws {
        let t = try World(password: "not-the-password")
        #expect(t.allocate() == .failure(.unauthorized))
        #expect(t.server.allocationCount == 0)
        #expect(t.server.counters.rejectedCredentials == 1)
        #expect(t.client.state == .failed)
    }

    /// A nonce the server no longer issues gets 438; the client retries with the new one.
    @Test func staleNonceIsRetried() throws {
        let t = try World()
        _ = try #require(try t.allocate()?.get())
        t.server.rotateNonce()
        #expect(try t.wait { t.client.refresh($0) }?.get() == 600)
        #expect(t.server.counters.refreshes == 1)
    }

    /// RFC 8656 §9, §11: datagrams cross the relay only to and from IPs with a live permission.
    @Test func permissionsGateRelayedDatagrams() throws {
        var configuration = TURNClient.Configuration()
        configuration.permissionRefresh = .seconds(3600)  // let the 300 s permission lapse
        let t = try World(configuration: configuration)
        let relayed = try #require(try t.allocate()?.get())

        // No permission yet: nothing crosses in either direction.
        t.permitted.send([1], to: relayed)
        t.client.send([2], to: t.permitted.localAddress)
        t.settle()
        #expect(t.atClient.isEmpty)
        #expect(t.atPeers.isEmpty)
        #expect(t.server.counters.droppedWithoutPermission == 2)

        // A permission for 192.0.2.1 admits any port of it (§9), and not 192.0.2.2.
        _ = try #require(try t.wait { t.client.createPermission(t.permitted.localAddress, completion: $0) }?.get())
        t.permitted.send([3], to: relayed)
        t.permittedOtherPort.send([4], to: relayed)
        t.stranger.send([5], to: relayed)
        t.client.send([6], to: t.permitted.localAddress)
        t.client.send([7], to: t.stranger.localAddress)
        t.settle()
        #expect(t.atClient.map(\.0) == [[3], [4]])
        #expect(t.atClient.map(\.1) == [t.permitted.localAddress, t.permittedOtherPort.localAddress])
        #expect(t.atPeers == [t.permitted.localAddress: [[6]]])
        #expect(t.server.counters.droppedWithoutPermission == 4)
        #expect(t.server.counters.dataIndications == 2)

        // Once the 300 s are over without a refresh, the permission is gone.
        t.w.loop.advance(by: .seconds(301))
        t.permitted.send([8], to: relayed)
        t.settle()
        #expect(t.atClient.count == 2)
        #expect(t.server.counters.droppedWithoutPermission == 5)
    }

    /// RFC 8656 §12: after ChannelBind, data goes as ChannelData both ways (4-byte header, no
    /// STUN); the binding installs the permission.
    @Test func channelBindCarriesChannelData() throws {
        let t = try World()
        let relayed = try #require(try t.allocate()?.get())
        let number = try #require(try t.wait { t.client.bindChannel(t.permitted.localAddress, completion: $0) }?.get())
        #expect(ChannelData.channelRange.contains(number))
        t.permitted.send([9, 9], to: relayed)
        t.client.send([7, 7, 7], to: t.permitted.localAddress)
        t.settle()
        #expect(t.atClient.map(\.0) == [[9, 9]])
        #expect(t.atPeers == [t.permitted.localAddress: [[7, 7, 7]]])
        #expect(t.server.counters.channelData == 1)
        #expect(t.server.counters.dataIndications == 0)
        #expect(t.server.counters.toPeers == 1)
    }
}

extension USRSCTPSuites.VirtualPeerConnectionTests {
    /// Two peers behind NATs (symmetric ones by default), each with the TURN server in its configuration.
    static func negotiateThroughTURN(_ w: NATWorld, _ server: VirtualTURNServer, password: String = NATWorld.turnPassword,
                                     relayOnly: Bool = false, a: NATScenario = .symmetric, b: NATScenario = .symmetric)
        throws -> (PeerConnection, PeerConnection) {
        try negotiate(w, w.client(a, index: 0), w.client(b, index: 1)) { c in
            c.turnServers = [ICEAgent.TURNServer(address: server.address, username: NATWorld.turnUser, password: password)]
            c.relayOnly = relayOnly
        }
    }

    /// The NAT matrix's relay outcome: symmetric ↔ symmetric (and symmetric ↔ port-restricted,
    /// which fails without TURN: peerConnectionsConnectThroughNATs) connects through the relay,
    /// and a data channel carries messages both ways. With `relayOnly` both ends use relayed
    /// candidates (relay ↔ relay); otherwise one relayed end suffices.
    @Test(arguments: [
        (NATScenario.symmetric, NATScenario.symmetric, false),
        (.symmetric, .symmetric, true),
        (.symmetric, .portRestrictedCone, false),
    ])
    func peersConnectThroughTheRelay(a: NATScenario, b: NATScenario, relayOnly: Bool) throws {
        let w = try NATWorld()
        let server = try w.addTURNServer()
        let (pa, pb) = try Self.negotiateThroughTURN(w, server, relayOnly: relayOnly, a: a, b: b)
        defer { pa.close(); pb.close() }
        #expect(server.allocationCount == 2)
        for pc in [pa, pb] {
            let relayed = pc.ice.localCandidates.filter { $0.kind == .relay }
            #expect(relayed.count == 1)
            #expect(relayed.first?.address.ip == NATWorld.turnIP)
        }
        let channel = try pa.createDataChannel(label: "relay")
        var atB: [DataChannelMessage] = []
        var remote: DataChannel?
        pb.onDataChannel = { ch in
            remote = ch
            ch.onMessage = { atB.append($0) }
        }
        channel.onOpen = { try? channel.send(text: "via the relay") }
        #expect(w.loop.advance(until: { atB.count == 1 }, step: .milliseconds(10), limit: .seconds(30)),
                "states \(pa.state) \(pb.state), ice \(pa.ice.state) \(pb.ice.state) \(pa.failureReason ?? "")")
        #expect(atB == [.text("via the relay")])
        var atA: [DataChannelMessage] = []
        channel.onMessage = { atA.append($0) }
        try remote?.send(binary: [4, 5, 6])
        #expect(w.loop.advance(until: { atA.count == 1 }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(atA == [.binary([4, 5, 6])])

        for pc in [pa, pb] {
            let pair = try #require(pc.selectedCandidatePair)
            if relayOnly {
                #expect(pair.local.kind == .relay && pair.remote.kind == .relay)
            } else {
                // A symmetric NAT's mapping for the peer is unknown to it: the path has a relay end.
                #expect(pair.local.kind == .relay || pair.remote.kind == .relay, "\(pair)")
            }
        }
        #expect(server.counters.toPeers > 0)
        #expect(server.counters.channelData + server.counters.dataIndications > 0)
    }

    /// Wrong TURN credentials: the Allocate is refused, no relayed candidate is gathered, and
    /// with no other path between two symmetric NATs ICE fails with its documented reason.
    @Test func wrongTURNCredentialsLeaveNoPath() throws {
        let w = try NATWorld()
        let server = try w.addTURNServer()
        let (pa, pb) = try Self.negotiateThroughTURN(w, server, password: "not-the-password")
        defer { pa.close(); pb.close() }
        #expect(server.allocationCount == 0)
        #expect(server.counters.rejectedCredentials == 2)
        for pc in [pa, pb] { #expect(!pc.ice.localCandidates.contains { $0.kind == .relay }) }
        _ = try pa.createDataChannel(label: "nowhere")
        #expect(w.loop.advance(until: { pa.state == .failed && pb.state == .failed }, step: .milliseconds(100),
                               limit: .seconds(120)))
        for pc in [pa, pb] {
            #expect(pc.failureReason == "no candidate pair answered ICE connectivity checks")
        }
    }
}
