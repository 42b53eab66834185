import Testing
@testable import RTCCore
@testable import RTCSTUN
@testable import RTCTURN

/// A tiny in-test TURN server (RFC 8656) on a manual loop: long-term credentials with a nonce it
/// can make stale, allocations, permissions, channels and both data paths.
final class FakeTURNServer {
    let loop: ManualEventLoop
    let address = TransportAddress(ipv4: 192, 0, 2, 10, port: 3478)
    let relayed = TransportAddress(ipv4: 192, 0, 2, 10, port: 50000)
    let realm = "example.org"
    var users = ["alice": "secret"]
    var nonce = "nonce-1"
    /// Answer the next authenticated request with 438 and a new nonce.
    var staleNextRequest = false
    var lifetimeGranted: UInt32 = 600
    var dropAll = false
    var client: TURNClient?
    let clientAddress = TransportAddress(ipv4: 10, 0, 0, 2, port: 5000)

    private(set) var requests: [STUNMessage] = []
    private(set) var allocated = false
    private(set) var permissions: Set<[UInt8]> = []
    private(set) var channels: [UInt16: TransportAddress] = [:]
    /// What reached peers through the relay: (bytes, peer, via channel?).
    private(set) var relayedToPeers: [([UInt8], TransportAddress, Bool)] = []

    init(loop: ManualEventLoop) { self.loop = loop }

    func receive(_ bytes: [UInt8]) {
        guard !dropAll else { return }
        if ChannelData.isChannelData(bytes) {
            if let cd = try? ChannelData(decoding: bytes), let peer = channels[cd.channelNumber] {
                relayedToPeers.append((cd.data, peer, true))
            }
            return
        }
        guard let m = try? STUNMessage(decoding: bytes) else { return }
        if m.messageClass == .indication, m.method == .send {
            if let peer = m.xorPeerAddress, let data = m.data, permissions.contains(peer.ip) {
                relayedToPeers.append((data, peer, false))
            }
            return
        }
        guard m.messageClass == .request else { return }
        requests.append(m)
        reply(to: m)
    }

    private func error(_ m: STUNMessage, _ code: Int, withNonce: Bool = false) -> STUNMessage {
        var r = m.response(.errorResponse)
        r.errorCode = STUNErrorCode(code, reason: "")
        if withNonce {
            r.realm = realm
            r.nonce = nonce
        }
        return r
    }

    private func reply(to m: STUNMessage) {
        var response: STUNMessage
        defer { loop.enqueue { [self] in client?.handle(response.encode(), from: address) } }
        guard let user = m.username, let password = users[user], m.realm == realm else {
            response = error(m, 401, withNonce: true)
            return
        }
        let key = STUNMessage.longTermKey(username: user, realm: realm, password: password)
        guard m.hasValidMessageIntegrity(key: key) else {
            response = error(m, 401, withNonce: true)
            return
        }
        if m.nonce != nonce || staleNextRequest {
            staleNextRequest = false
            nonce += "x"
            response = error(m, 438, withNonce: true)
            return
        }
        response = m.response()
        switch m.method {
        case .allocate:
            guard m.requestedTransport == 17 else { response = error(m, 400); break }
            allocated = true
            response.xorRelayedAddress = relayed
            response.xorMappedAddress = TransportAddress(ipv4: 203, 0, 113, 1, port: 40000)
            response.lifetime = lifetimeGranted
        case .refresh:
            guard allocated else { response = error(m, 437); break }
            if m.lifetime == 0 { allocated = false }
            response.lifetime = m.lifetime == 0 ? 0 : lifetimeGranted
        case .createPermission:
            for p in m.xorPeerAddresses { permissions.insert(p.ip) }
        case .channelBind:
            guard let n = m.channelNumber, ChannelData.channelRange.contains(n), let peer = m.xorPeerAddress else {
                response = error(m, 400)
                break
            }
            channels[n] = peer
            permissions.insert(peer.ip)
        default:
            response = error(m, 400)
        }
        if response.messageClass == .successResponse { response.addMessageIntegrity(key: key) }
    }

    /// A peer's datagram arriving at the relayed address, forwarded to the client.
    func peerSends(_ bytes: [UInt8], from peer: TransportAddress) {
        guard permissions.contains(peer.ip) else { return }
        let packet: [UInt8]
        if let n = channels.first(where: { $0.value == peer })?.key {
            packet = ChannelData(channelNumber: n, data: bytes)!.encode()
        } else {
            var m = STUNMessage(.indication, .data)
            m.xorPeerAddress = peer
            m.data = bytes
            packet = m.encode()
        }
        loop.enqueue { [self] in client?.handle(packet, from: address) }
    }
}

@Suite struct TURNClientTests {
    let peer = TransportAddress(ipv4: 198, 51, 100, 20, port: 6000)

    func make(user: String = "alice", password: String = "secret") -> (ManualEventLoop, FakeTURNServer, TURNClient) {
        let loop = ManualEventLoop()
        let server = FakeTURNServer(loop: loop)
        let client = TURNClient(loop: loop, server: server.address, username: user, password: password,
                                send: { [weak server] bytes, to in
                                    guard to == server?.address else { return }
                                    loop.enqueue { server?.receive(bytes) }
                                })
        server.client = client
        return (loop, server, client)
    }

    func allocate(_ loop: ManualEventLoop, _ client: TURNClient) -> Result<TransportAddress, TURNError>? {
        var result: Result<TransportAddress, TURNError>?
        client.allocate { result = $0 }
        loop.run()
        return result
    }

    @Test func allocateAuthenticatesAfter401() throws {
        let (loop, server, client) = make()
        let relayed = try #require(allocate(loop, client)).get()
        #expect(relayed == server.relayed)
        #expect(client.relayedAddress == server.relayed)
        #expect(client.mappedAddress == TransportAddress(ipv4: 203, 0, 113, 1, port: 40000))
        #expect(client.state == .allocated)
        #expect(server.requests.count == 2)
        #expect(server.requests[0].username == nil, "first Allocate goes without credentials")
        #expect(server.requests[1].username == "alice")
        #expect(server.requests[1].realm == "example.org")
        #expect(server.requests[1].nonce == "nonce-1")
        #expect(server.requests[1].transactionID != server.requests[0].transactionID)
    }

    @Test func wrongPasswordFailsWithUnauthorized() throws {
        let (loop, server, client) = make(password: "nope")
        defer { withExtendedLifetime(server) {} }
        let r = try #require(allocate(loop, client))
        #expect(throws: TURNError.unauthorized) { try r.get() }
        #expect(client.state == .failed)
    }

    @Test func staleNonceIsRetriedWithTheNewNonce() throws {
        let (loop, server, client) = make()
        _ = try #require(allocate(loop, client)).get()
        server.staleNextRequest = true
        var ok = false
        client.createPermission(peer) { ok = (try? $0.get()) != nil }
        loop.run()
        #expect(ok)
        let last = try #require(server.requests.last)
        #expect(last.method == .createPermission)
        #expect(last.nonce == server.nonce)
        #expect(server.permissions.contains(peer.ip))
    }

    @Test func refreshesBeforeExpiry() throws {
        let (loop, server, client) = make()
        server.lifetimeGranted = 300
        _ = try #require(allocate(loop, client)).get()
        let before = server.requests.count
        loop.advance(by: .seconds(239))
        #expect(server.requests.count == before)
        loop.advance(by: .seconds(1))  // 300 s - 60 s margin
        #expect(server.requests.last?.method == .refresh)
        #expect(server.requests.last?.lifetime == 600)
        #expect(client.state == .allocated)
        #expect(TURNClient.refreshDelay(lifetime: 60, margin: .seconds(60)) == .seconds(30))
    }

    @Test func failedRefreshFailsTheClient() throws {
        let (loop, server, client) = make()
        _ = try #require(allocate(loop, client)).get()
        var states: [TURNClientState] = []
        client.onStateChange = { states.append($0) }
        server.dropAll = true
        loop.advance(by: .seconds(540 + 11))
        #expect(client.state == .failed)
        #expect(states == [.failed])
        #expect(!client.send([1], to: peer))
    }

    @Test func sendIndicationFallbackAndDataIndication() throws {
        let (loop, server, client) = make()
        _ = try #require(allocate(loop, client)).get()
        var received: [([UInt8], TransportAddress)] = []
        client.onData = { received.append(($0, $1)) }
        client.createPermission(peer)
        loop.run()
        #expect(client.hasPermission(peer))
        #expect(client.send([1, 2, 3], to: peer))
        loop.run()
        #expect(server.relayedToPeers.count == 1)
        #expect(server.relayedToPeers.first?.0 == [1, 2, 3])
        #expect(server.relayedToPeers.first?.2 == false, "no channel: Send indication")
        server.peerSends([9, 8], from: peer)
        loop.run()
        #expect(received.count == 1)
        #expect(received.first?.0 == [9, 8])
        #expect(received.first?.1 == peer)
    }

    @Test func channelBindSwitchesToChannelData() throws {
        let (loop, server, client) = make()
        _ = try #require(allocate(loop, client)).get()
        var received: [([UInt8], TransportAddress)] = []
        client.onData = { received.append(($0, $1)) }
        var number: UInt16?
        client.bindChannel(peer) { number = try? $0.get() }
        loop.run()
        #expect(number == 0x4000)
        #expect(client.channel(for: peer) == 0x4000)
        client.send(Array("hello".utf8), to: peer)
        loop.run()
        #expect(server.relayedToPeers.last?.2 == true)
        #expect(server.relayedToPeers.last?.0 == Array("hello".utf8))
        server.peerSends([7], from: peer)
        loop.run()
        #expect(received.map(\.0) == [[7]])
        #expect(received.first?.1 == peer)
        // A second peer gets the next number; re-binding the first keeps its number (refresh).
        let peer2 = TransportAddress(ipv4: 198, 51, 100, 21, port: 6001)
        client.bindChannel(peer2) { number = try? $0.get() }
        loop.run()
        #expect(number == 0x4001)
        loop.advance(by: .seconds(540))
        #expect(server.requests.filter { $0.method == .channelBind }.count >= 4)
        #expect(client.channel(for: peer) == 0x4000)
    }

    @Test func permissionsAreRefreshed() throws {
        let (loop, server, client) = make()
        _ = try #require(allocate(loop, client)).get()
        client.createPermission(peer)
        loop.run()
        loop.advance(by: .seconds(241))
        #expect(server.requests.filter { $0.method == .createPermission }.count == 2)
    }

    @Test func closeDeallocatesAndStopsTimers() throws {
        let (loop, server, client) = make()
        _ = try #require(allocate(loop, client)).get()
        client.bindChannel(peer)
        loop.run()
        var closed = false
        client.close { closed = true }
        loop.run()
        #expect(closed)
        #expect(client.state == .closed)
        #expect(!server.allocated)
        let dealloc = try #require(server.requests.last)
        #expect(dealloc.method == .refresh && dealloc.lifetime == 0)
        let count = server.requests.count
        loop.advance(by: .seconds(3600))
        #expect(server.requests.count == count)
        #expect(!client.send([1], to: peer))
    }

    @Test func datagramsFromOthersAreNotConsumed() throws {
        let (_, server, client) = make()
        defer { withExtendedLifetime(server) {} }
        #expect(!client.handle([0x40, 0, 0, 1, 9], from: peer))
    }
}
