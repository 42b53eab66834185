import RTCCore
import RTCSTUN

/// A minimal TURN server over UDP (RFC 8656) for tests, on any `DatagramSocketFactory` — a
/// `VirtualHost` of a `VirtualNetwork` on the manual clock, or the kernel's UDP.
///
/// It does what a relay outcome needs and checks what a client can get wrong:
/// - long-term credentials (RFC 8489 §9.2): a request without MESSAGE-INTEGRITY gets 401 with
///   REALM and NONCE; a wrong user or password 401; an old nonce 438; success responses carry
///   MESSAGE-INTEGRITY;
/// - Allocate (§7), Refresh (§8, LIFETIME 0 deletes), CreatePermission (§9), ChannelBind (§12),
///   Send and Data indications (§11) and ChannelData (§12.5) both ways, and Binding (a TURN server
///   is a STUN server);
/// - permissions: a datagram from a peer whose IP has no live permission is dropped (§11.5), as
///   is a Send indication or ChannelData toward one (§11.3).
///
/// Not supported: TCP/TLS, EVEN-PORT, RESERVATION-TOKEN, DONT-FRAGMENT, REQUESTED-ADDRESS-FAMILY
/// (420 Unknown Attribute), quotas, MESSAGE-INTEGRITY-SHA256, USERHASH. Nothing here is
/// thread-safe: use it on `loop`.
public final class VirtualTURNServer {
    public struct Configuration: Sendable {
        /// REALM of the long-term credentials.
        public var realm = "rtc.test"
        /// Accepted username → password.
        public var users: [String: String]
        /// Allocation lifetimes in seconds (§7.2: 600 s by default, at most 3600 s).
        public var defaultLifetime: UInt32 = 600
        public var maxLifetime: UInt32 = 3600
        /// §9: a permission lasts 300 s; §12: a channel binding 600 s.
        public var permissionLifetime: Duration = .seconds(300)
        public var channelLifetime: Duration = .seconds(600)

        public init(users: [String: String]) {
            self.users = users
        }
    }

    /// What the server did, for tests to check.
    public struct Counters: Sendable, Equatable {
        /// Allocations created.
        public var allocations = 0
        /// Requests rejected with 401 although they carried credentials (wrong user or password).
        public var rejectedCredentials = 0
        /// Refresh requests that kept an allocation (LIFETIME > 0).
        public var refreshes = 0
        /// Datagrams relayed to peers (from Send indications or ChannelData).
        public var toPeers = 0
        /// Datagrams relayed to clients as Data indications, and as ChannelData.
        public var dataIndications = 0
        public var channelData = 0
        /// Datagrams dropped because the peer's IP had no live permission (either direction).
        public var droppedWithoutPermission = 0
    }

    public let loop: EventLoop
    /// Where clients send (the server's listening transport address).
    public var address: TransportAddress { socket.localAddress }
    public var configuration: Configuration
    public private(set) var counters = Counters()

    private let factory: DatagramSocketFactory
    private let relayIP: [UInt8]
    private let socket: DatagramSocket
    private var nonce: String
    private var nonceGeneration = 0
    private var allocations: [TransportAddress: VirtualTURNAllocation] = [:]

    /// Listens on `listen` (port 0 picks one); relayed addresses are on `relayIP`, which may be
    /// the listening IP.
    /// - Throws: when the factory cannot bind `listen`.
    public init(factory: DatagramSocketFactory, loop: EventLoop, listen: TransportAddress, relayIP: [UInt8]? = nil,
                configuration: Configuration) throws {
        self.loop = loop
        self.factory = factory
        self.relayIP = relayIP ?? listen.ip
        self.configuration = configuration
        nonce = "vturn-0"
        socket = try factory.makeSocket(loop: loop, bindTo: listen)
        socket.onDatagram = { [unowned self] bytes, from in self.receive(bytes, from: from) }
    }

    /// Live allocations (expired ones are dropped on the way).
    public var allocationCount: Int {
        for client in Array(allocations.keys) { _ = allocation(for: client) }
        return allocations.count
    }

    /// The usernames of the live allocations, sorted (expired ones are dropped on the way).
    public var allocationUsernames: [String] {
        for client in Array(allocations.keys) { _ = allocation(for: client) }
        return allocations.values.map(\.username).sorted()
    }

    /// Issues a new nonce: requests that still carry the old one get 438 Stale Nonce (RFC 8489 §9.2.4).
    public func rotateNonce() {
        nonceGeneration += 1
        nonce = "vturn-\(nonceGeneration)"
    }

    /// Closes the listening socket and every relay socket.
    public func close() {
        socket.close()
        for a in allocations.values { a.relay.close() }
        allocations.removeAll()
    }

    // MARK: - From clients

    private func receive(_ bytes: [UInt8], from client: TransportAddress) {
        if ChannelData.isChannelData(bytes) {
            channelData(bytes, from: client)
            return
        }
        guard let m = try? STUNMessage(decoding: bytes) else { return }
        // RFC 8489 §7.3: a FINGERPRINT that does not match means it is not STUN.
        if m.contains(.fingerprint) && !m.hasValidFingerprint { return }
        switch (m.messageClass, m.method) {
        case (.request, .binding):
            var r = m.response()
            r.xorMappedAddress = client
            send(r, to: client, key: nil)
        case (.request, .allocate), (.request, .refresh), (.request, .createPermission), (.request, .channelBind):
            guard let (username, key) = authenticate(m, from: client) else { return }
            switch m.method {
            case .allocate: allocate(m, from: client, username: username, key: key)
            case .refresh: refresh(m, from: client, username: username, key: key)
            case .createPermission: createPermission(m, from: client, username: username, key: key)
            default: channelBind(m, from: client, username: username, key: key)
            }
        case (.request, _):
            reject(m, to: client, STUNErrorCode.badRequest, "unknown method", key: nil)  // RFC 8489 §6.3.1
        case (.indication, .send):
            sendIndication(m, from: client)
        default:
            break  // responses and other indications are not for a server
        }
    }

    /// Long-term credentials (RFC 8489 §9.2.4). Returns the username and key of a request whose
    /// MESSAGE-INTEGRITY verifies; otherwise answers with the error and returns nil.
    private func authenticate(_ m: STUNMessage, from client: TransportAddress) -> (String, [UInt8])? {
        guard m.contains(.messageIntegrity) else {
            reject(m, to: client, STUNErrorCode.unauthorized, "Unauthorized", key: nil, challenge: true)
            return nil
        }
        guard let username = m.username, let realm = m.realm, let nonce = m.nonce else {
            reject(m, to: client, STUNErrorCode.badRequest, "missing USERNAME, REALM or NONCE", key: nil)
            return nil
        }
        guard nonce == self.nonce else {
            reject(m, to: client, STUNErrorCode.staleNonce, "Stale Nonce", key: nil, challenge: true)
            return nil
        }
        guard realm == configuration.realm, let password = configuration.users[username] else {
            counters.rejectedCredentials += 1
            reject(m, to: client, STUNErrorCode.unauthorized, "Unauthorized", key: nil, challenge: true)
            return nil
        }
        let key = STUNMessage.longTermKey(username: username, realm: realm, password: password)
        guard m.hasValidMessageIntegrity(key: key) else {
            counters.rejectedCredentials += 1
            reject(m, to: client, STUNErrorCode.unauthorized, "Unauthorized", key: nil, challenge: true)
            return nil
        }
        return (username, key)
    }

    /// The client's live allocation; an expired one is deleted here (§7: its relay port is freed).
    private func allocation(for client: TransportAddress) -> VirtualTURNAllocation? {
        guard let a = allocations[client] else { return nil }
        guard loop.now < a.expiry else {
            a.relay.close()
            allocations[client] = nil
            return nil
        }
        return a
    }

    /// The allocation a request on `client`'s 5-tuple acts on, checked against its creator
    /// (§5: 437 without one, 441 for another username); nil after answering the error.
    private func owned(_ m: STUNMessage, from client: TransportAddress, username: String, key: [UInt8])
        -> VirtualTURNAllocation? {
        guard let a = allocation(for: client) else {
            reject(m, to: client, STUNErrorCode.allocationMismatch, "Allocation Mismatch", key: key)
            return nil
        }
        guard a.username == username else {
            reject(m, to: client, STUNErrorCode.wrongCredentials, "Wrong Credentials", key: key)
            return nil
        }
        return a
    }

    /// §7.2 and §8: min(requested, maximum), but never below the default.
    private func grantedLifetime(_ requested: UInt32?) -> UInt32 {
        max(configuration.defaultLifetime, min(requested ?? configuration.defaultLifetime, configuration.maxLifetime))
    }

    // MARK: - Requests (RFC 8656 §7–§9, §12)

    private func allocate(_ m: STUNMessage, from client: TransportAddress, username: String, key: [UInt8]) {
        if let existing = allocation(for: client) {
            if existing.allocateTransaction == m.transactionID {
                socket.send(existing.allocateResponse, to: client)  // a retransmission
            } else {
                reject(m, to: client, STUNErrorCode.allocationMismatch, "Allocation Mismatch", key: key)
            }
            return
        }
        let unsupported: [STUNAttributeType] = [.evenPort, .reservationToken, .dontFragment, .requestedAddressFamily]
            .filter { m.contains($0) }
        if !unsupported.isEmpty {
            var r = m.response(.errorResponse)
            r.errorCode = STUNErrorCode(STUNErrorCode.unknownAttribute, reason: "Unknown Attribute")
            r.unknownAttributes = unsupported
            send(r, to: client, key: key)
            return
        }
        guard let transport = m.requestedTransport else {
            return reject(m, to: client, STUNErrorCode.badRequest, "no REQUESTED-TRANSPORT", key: key)
        }
        guard transport == 17 else {  // §7.2: UDP only
            return reject(m, to: client, STUNErrorCode.unsupportedTransportProtocol, "Unsupported Transport Protocol",
                          key: key)
        }
        let relay: DatagramSocket
        do {
            relay = try factory.makeSocket(loop: loop, bindTo: TransportAddress(ip: relayIP, port: 0)!)
        } catch {
            return reject(m, to: client, STUNErrorCode.insufficientCapacity, "Insufficient Capacity", key: key)
        }
        let lifetime = grantedLifetime(m.lifetime)
        let a = VirtualTURNAllocation(client: client, username: username, key: key, relay: relay,
                                      expiry: loop.now + .seconds(Int64(lifetime)), allocateTransaction: m.transactionID)
        relay.onDatagram = { [unowned self, unowned a] bytes, peer in self.fromPeer(bytes, peer: peer, allocation: a) }
        allocations[client] = a
        counters.allocations += 1
        var r = m.response()
        r.xorRelayedAddress = relay.localAddress
        r.lifetime = lifetime
        r.xorMappedAddress = client
        a.allocateResponse = send(r, to: client, key: key)
    }

    private func refresh(_ m: STUNMessage, from client: TransportAddress, username: String, key: [UInt8]) {
        guard let a = owned(m, from: client, username: username, key: key) else { return }
        var r = m.response()
        if m.lifetime == 0 {
            a.relay.close()
            allocations[client] = nil
            r.lifetime = 0
        } else {
            let lifetime = grantedLifetime(m.lifetime)
            a.expiry = loop.now + .seconds(Int64(lifetime))
            counters.refreshes += 1
            r.lifetime = lifetime
        }
        send(r, to: client, key: key)
    }

    private func createPermission(_ m: STUNMessage, from client: TransportAddress, username: String, key: [UInt8]) {
        guard let a = owned(m, from: client, username: username, key: key) else { return }
        let peers = m.xorPeerAddresses
        guard !peers.isEmpty else {
            return reject(m, to: client, STUNErrorCode.badRequest, "no XOR-PEER-ADDRESS", key: key)
        }
        guard peers.allSatisfy({ $0.family == a.relay.localAddress.family }) else {
            return reject(m, to: client, STUNErrorCode.peerAddressFamilyMismatch, "Peer Address Family Mismatch",
                          key: key)
        }
        // §9.2: all or nothing, so install only after every address passed.
        for peer in peers { a.permissions[peer.ip] = loop.now + configuration.permissionLifetime }
        send(m.response(), to: client, key: key)
    }

    private func channelBind(_ m: STUNMessage, from client: TransportAddress, username: String, key: [UInt8]) {
        guard let a = owned(m, from: client, username: username, key: key) else { return }
        guard let number = m.channelNumber, ChannelData.channelRange.contains(number), let peer = m.xorPeerAddress
        else {
            return reject(m, to: client, STUNErrorCode.badRequest, "bad CHANNEL-NUMBER or no XOR-PEER-ADDRESS", key: key)
        }
        guard peer.family == a.relay.localAddress.family else {
            return reject(m, to: client, STUNErrorCode.peerAddressFamilyMismatch, "Peer Address Family Mismatch",
                          key: key)
        }
        // §12.2: a channel is bound to one peer and a peer to one channel, for the binding's life.
        if let bound = a.channelPeers[number]?.peer, bound != peer {
            return reject(m, to: client, STUNErrorCode.badRequest, "channel bound to another peer", key: key)
        }
        if let other = a.channelNumbers[peer], other != number {
            return reject(m, to: client, STUNErrorCode.badRequest, "peer bound to another channel", key: key)
        }
        a.channelPeers[number] = (peer, loop.now + configuration.channelLifetime)
        a.channelNumbers[peer] = number
        a.permissions[peer.ip] = loop.now + configuration.permissionLifetime  // §12.2 installs/refreshes it
        send(m.response(), to: client, key: key)
    }

    // MARK: - Data (RFC 8656 §11, §12.5)

    /// §11.3: relayed only with a permission for the peer; dropped silently otherwise.
    private func sendIndication(_ m: STUNMessage, from client: TransportAddress) {
        guard let a = allocation(for: client), let peer = m.xorPeerAddress, let data = m.data else { return }
        toPeer(data, peer: peer, allocation: a)
    }

    private func channelData(_ bytes: [UInt8], from client: TransportAddress) {
        guard let a = allocation(for: client), let message = try? ChannelData(decoding: bytes),
              let peer = a.peer(onChannel: message.channelNumber, at: loop.now) else { return }
        toPeer(message.data, peer: peer, allocation: a)
    }

    private func toPeer(_ data: [UInt8], peer: TransportAddress, allocation a: VirtualTURNAllocation) {
        guard a.hasPermission(for: peer.ip, at: loop.now) else {
            counters.droppedWithoutPermission += 1
            return
        }
        counters.toPeers += 1
        a.relay.send(data, to: peer)
    }

    /// §11.5: a datagram on the relayed address goes to the client only from a permitted peer,
    /// as ChannelData when a channel is bound to it, else in a Data indication.
    private func fromPeer(_ bytes: [UInt8], peer: TransportAddress, allocation a: VirtualTURNAllocation) {
        guard allocation(for: a.client) === a else { return }
        guard a.hasPermission(for: peer.ip, at: loop.now) else {
            counters.droppedWithoutPermission += 1
            return
        }
        if let number = a.channel(for: peer, at: loop.now), let frame = ChannelData(channelNumber: number, data: bytes) {
            counters.channelData += 1
            socket.send(frame.encode(padded: false), to: a.client)
            return
        }
        var m = STUNMessage(.indication, .data)
        m.xorPeerAddress = peer
        m.data = bytes
        m.addFingerprint()
        guard let packet = try? m.encoded() else { return }
        counters.dataIndications += 1
        socket.send(packet, to: a.client)
    }

    // MARK: - Answers

    /// Error response; `challenge` adds REALM and NONCE (401, 438: RFC 8489 §9.2.4).
    private func reject(_ m: STUNMessage, to client: TransportAddress, _ code: Int, _ reason: String, key: [UInt8]?,
                        challenge: Bool = false) {
        var r = m.response(.errorResponse)
        r.errorCode = STUNErrorCode(code, reason: reason)
        if challenge {
            r.realm = configuration.realm
            r.nonce = nonce
        }
        send(r, to: client, key: key)
    }

    /// Signs (when `key` is given), adds FINGERPRINT and sends; returns the bytes sent.
    @discardableResult
    private func send(_ message: STUNMessage, to client: TransportAddress, key: [UInt8]?) -> [UInt8] {
        var m = message
        m.software = "rtc VirtualTURNServer"
        if let key { m.addMessageIntegrity(key: key) }
        m.addFingerprint()
        let bytes = m.encode()
        socket.send(bytes, to: client)
        return bytes
    }
}
