import RTCCore
import RTCSTUN

/// A TURN client over UDP (RFC 8656): one allocation on one server, with long-term credentials
/// (RFC 8489 §9.2), permissions, channels and the Send/Data indication fallback.
///
/// Runs on one `EventLoop`; nothing here is thread-safe. Like `STUNClient` it does not own its
/// socket: the convenience initializer takes over a `DatagramSocket`'s `onDatagram`; the designated
/// one takes a send function and is fed with `handle(_:from:)` (tests, or a socket shared with
/// ICE). Requests and responses go through a `STUNClient`, so retransmission follows RFC 8489.
///
/// ```
/// let turn = TURNClient(loop: loop, socket: socket, server: server, username: "u", password: "p")
/// turn.onData = { bytes, peer in ... }
/// turn.allocate { result in
///     turn.bindChannel(peer) { _ in turn.send(payload, to: peer) }
/// }
/// ```
public final class TURNClient {
    public struct Configuration: Sendable {
        /// LIFETIME asked for in Allocate and Refresh (RFC 8656 §7.1: the default is 600 s).
        public var lifetime: UInt32 = 600
        /// Refresh this long before the allocation expires (half the lifetime when that is shorter).
        public var refreshMargin: Duration = .seconds(60)
        /// Permissions last 300 s (§9); refresh them after this.
        public var permissionRefresh: Duration = .seconds(240)
        /// Channel bindings last 600 s (§12); refresh them after this.
        public var channelRefresh: Duration = .seconds(540)
        /// Retransmission of each request.
        public var transaction = STUNClient.Configuration(overallTimeout: .seconds(10))
        /// SOFTWARE sent in requests; nil for none.
        public var software: String? = "rtc"

        public init() {}
    }

    public let loop: EventLoop
    public let server: TransportAddress
    public let username: String
    private let password: String
    public var configuration: Configuration
    private let sendDatagram: ([UInt8], TransportAddress) -> Void
    private let stun: STUNClient

    public private(set) var state: TURNClientState = .idle
    /// XOR-RELAYED-ADDRESS of the allocation.
    public private(set) var relayedAddress: TransportAddress?
    /// XOR-MAPPED-ADDRESS the server saw (our server-reflexive address).
    public private(set) var mappedAddress: TransportAddress?
    /// LIFETIME the server granted.
    public private(set) var lifetime: UInt32?
    /// Data from a peer, via ChannelData or a Data indication: (bytes, peer).
    public var onData: (([UInt8], TransportAddress) -> Void)?
    /// State changes, including `.failed` when a refresh fails.
    public var onStateChange: ((TURNClientState) -> Void)?

    // Long-term credentials (RFC 8489 §9.2).
    private var realm: String?
    private var nonce: String?
    private var key: [UInt8]?

    private var refreshTimer: ScheduledTask?
    private var permissions: [[UInt8]: ScheduledTask] = [:]
    /// Channel numbers by peer, and peers by channel number (both only once the bind succeeded).
    private var channels: [TransportAddress: UInt16] = [:]
    private var channelPeers: [UInt16: TransportAddress] = [:]
    private var pendingChannels: [TransportAddress: UInt16] = [:]
    private var channelTimers: [UInt16: ScheduledTask] = [:]
    private var nextChannel: UInt16 = ChannelData.channelRange.lowerBound

    public init(loop: EventLoop, server: TransportAddress, username: String, password: String,
                configuration: Configuration = Configuration(), send: @escaping ([UInt8], TransportAddress) -> Void) {
        self.loop = loop
        self.server = server
        self.username = username
        self.password = password
        self.configuration = configuration
        self.sendDatagram = send
        stun = STUNClient(loop: loop, configuration: configuration.transaction, send: send)
        stun.onUnmatched = { [weak self] message, from in self?.unmatched(message, from: from) }
    }

    /// Whether the client authenticates as `username` with `password`: a server's credentials
    /// may change (a WHIP endpoint hands out expiring ones), and an allocation keeps the username
    /// that made it (RFC 8656 §5), so new credentials need a new client.
    public func uses(username: String, password: String) -> Bool {
        self.username == username && self.password == password
    }

    /// A client that sends on `socket` and takes over its `onDatagram`.
    public convenience init(loop: EventLoop, socket: DatagramSocket, server: TransportAddress, username: String,
                            password: String, configuration: Configuration = Configuration()) {
        self.init(loop: loop, server: server, username: username, password: password, configuration: configuration,
                  send: { [weak socket] in socket?.send($0, to: $1) })
        socket.onDatagram = { [weak self] bytes, from in _ = self?.handle(bytes, from: from) }
    }

    private func setState(_ s: TURNClientState) {
        guard state != s else { return }
        state = s
        onStateChange?(s)
    }

    // MARK: - Incoming

    /// Feeds one datagram. Returns true when it came from the server and was TURN or STUN
    /// (consumed), false otherwise (the caller may hand it to another layer).
    @discardableResult
    public func handle(_ bytes: [UInt8], from source: TransportAddress) -> Bool {
        guard source == server else { return false }
        if ChannelData.isChannelData(bytes) {
            guard let message = try? ChannelData(decoding: bytes), let peer = channelPeers[message.channelNumber]
            else { return true }
            onData?(message.data, peer)
            return true
        }
        return stun.handle(bytes, from: source)
    }

    private func unmatched(_ message: STUNMessage, from: TransportAddress) {
        // Data indication (RFC 8656 §11.6): XOR-PEER-ADDRESS and DATA.
        guard message.messageClass == .indication, message.method == .data,
              let peer = message.xorPeerAddress, let data = message.data, state == .allocated else { return }
        onData?(data, peer)
    }

    // MARK: - Requests with long-term credentials

    /// Sends a request built by `build` (on a fresh message, so XORed attributes use the right
    /// transaction ID), with credentials once known, retrying after a 401 that brings the realm
    /// and nonce and after a 438 Stale Nonce (RFC 8489 §9.2.4, §9.2.5; RFC 8656 §7.2).
    private func request(_ method: STUNMethod, retries: Int = 2, build: @escaping (inout STUNMessage) -> Void,
                         completion: @escaping (Result<STUNMessage, TURNError>) -> Void) {
        var m = STUNMessage(.request, method)
        build(&m)
        if let software = configuration.software { m.software = software }
        if let realm, let nonce, let key {
            m.username = username
            m.realm = realm
            m.nonce = nonce
            m.addMessageIntegrity(key: key)
        }
        m.addFingerprint()
        let hadCredentials = key != nil
        stun.request(m, to: server) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(.cancelled):
                completion(.failure(.closed))
            case .failure(.timeout):
                completion(.failure(.timeout(method: method)))
            case .failure(.cannotEncode(let why)):
                completion(.failure(.badResponse(why)))  // the server's REALM/NONCE made it too long
            case .failure(.invalidResponses(_, let reason)):
                // Only responses with a wrong FINGERPRINT came (the STUN client discarded them).
                completion(.failure(.badResponse("\(method): no valid response, the last discarded for \(reason)")))
            case .success(let r) where r.message.messageClass == .successResponse:
                if let key = self.key, r.message.contains(.messageIntegrity),
                   !r.message.hasValidMessageIntegrity(key: key) {
                    return completion(.failure(.badResponse("\(method) response MESSAGE-INTEGRITY does not match")))
                }
                completion(.success(r.message))
            case .success(let r):
                let code = r.message.errorCode ?? STUNErrorCode(STUNErrorCode.badRequest, reason: "no ERROR-CODE")
                let canRetry = retries > 0 && r.message.nonce != nil
                if code.code == STUNErrorCode.unauthorized, canRetry, !hadCredentials || r.message.realm != self.realm {
                    self.learnCredentials(r.message)
                    self.request(method, retries: retries - 1, build: build, completion: completion)
                } else if code.code == STUNErrorCode.staleNonce, canRetry {
                    self.learnCredentials(r.message)
                    self.request(method, retries: retries - 1, build: build, completion: completion)
                } else if code.code == STUNErrorCode.unauthorized {
                    completion(.failure(.unauthorized))
                } else {
                    completion(.failure(.errorResponse(method: method, code: code)))
                }
            }
        }
    }

    private func learnCredentials(_ m: STUNMessage) {
        if let r = m.realm, r != realm || key == nil {
            realm = r
            key = STUNMessage.longTermKey(username: username, realm: r, password: password)
        }
        if let n = m.nonce { nonce = n }
    }

    // MARK: - Allocation (RFC 8656 §7, §8)

    /// Creates the allocation; `completion` gets the relayed address.
    public func allocate(_ completion: @escaping (Result<TransportAddress, TURNError>) -> Void) {
        guard state == .idle || state == .failed else {
            if let relayedAddress, state == .allocated { return completion(.success(relayedAddress)) }
            return completion(.failure(state == .closed || state == .closing ? .closed : .noAllocation))
        }
        setState(.allocating)
        let lifetime = configuration.lifetime
        request(.allocate, build: { m in
            m.requestedTransport = 17  // UDP (§18.8)
            m.lifetime = lifetime
        }) { [weak self] result in
            guard let self, self.state == .allocating else { return }
            switch result {
            case .success(let m):
                guard let relayed = m.xorRelayedAddress else {
                    self.setState(.failed)
                    return completion(.failure(.badResponse("Allocate success without XOR-RELAYED-ADDRESS")))
                }
                self.relayedAddress = relayed
                self.mappedAddress = m.xorMappedAddress
                self.lifetime = m.lifetime ?? lifetime
                self.setState(.allocated)
                self.scheduleRefresh()
                completion(.success(relayed))
            case .failure(let e):
                self.setState(.failed)
                completion(.failure(e))
            }
        }
    }

    /// When to refresh a grant of `seconds`: `refreshMargin` before expiry, or halfway when the
    /// grant is shorter than twice the margin.
    static func refreshDelay(lifetime seconds: UInt32, margin: Duration) -> Duration {
        let life = Duration.seconds(Int64(seconds))
        return life > margin * 2 ? life - margin : life / 2
    }

    private func scheduleRefresh() {
        refreshTimer?.cancel()
        let delay = Self.refreshDelay(lifetime: lifetime ?? configuration.lifetime, margin: configuration.refreshMargin)
        refreshTimer = loop.schedule(in: delay) { [weak self] in self?.refresh() }
    }

    /// Sends a Refresh now (RFC 8656 §8); normally the client does this on its own before expiry.
    public func refresh(_ completion: ((Result<UInt32, TURNError>) -> Void)? = nil) {
        guard state == .allocated else { completion?(.failure(.noAllocation)); return }
        let lifetime = configuration.lifetime
        request(.refresh, build: { $0.lifetime = lifetime }) { [weak self] result in
            guard let self, self.state == .allocated else { return }
            switch result {
            case .success(let m):
                self.lifetime = m.lifetime ?? lifetime
                self.scheduleRefresh()
                completion?(.success(self.lifetime!))
            case .failure(let e):
                Log.warn("TURN refresh failed: \(e)", "turn")
                self.fail()
                completion?(.failure(e))
            }
        }
    }

    // MARK: - Permissions (RFC 8656 §9)

    /// Installs (and keeps refreshing) a permission for `peer`'s IP; ports do not matter (§9).
    public func createPermission(_ peer: TransportAddress, completion: ((Result<Void, TURNError>) -> Void)? = nil) {
        guard state == .allocated else { completion?(.failure(.noAllocation)); return }
        request(.createPermission, build: { $0.xorPeerAddresses = [peer] }) { [weak self] result in
            guard let self else { return }
            if case .success = result {
                self.permissions[peer.ip]?.cancel()
                self.permissions[peer.ip] = self.loop.schedule(in: self.configuration.permissionRefresh) { [weak self] in
                    self?.createPermission(peer)
                }
            }
            completion?(result.map { _ in () })
        }
    }

    /// Whether a permission for `peer`'s IP is installed.
    public func hasPermission(_ peer: TransportAddress) -> Bool { permissions[peer.ip] != nil }

    // MARK: - Channels (RFC 8656 §12)

    /// Binds a channel to `peer` (which also installs a permission for its IP) and keeps it
    /// bound; afterwards `send(_:to:)` uses ChannelData. Binding a bound peer refreshes it.
    public func bindChannel(_ peer: TransportAddress, completion: ((Result<UInt16, TURNError>) -> Void)? = nil) {
        guard state == .allocated else { completion?(.failure(.noAllocation)); return }
        let number: UInt16
        if let n = channels[peer] ?? pendingChannels[peer] {
            number = n
        } else {
            guard let n = allocateChannelNumber() else { completion?(.failure(.channelsExhausted)); return }
            number = n
            pendingChannels[peer] = n
        }
        request(.channelBind, build: { m in
            m.channelNumber = number
            m.xorPeerAddress = peer
        }) { [weak self] result in
            guard let self else { return }
            self.pendingChannels[peer] = nil
            switch result {
            case .success:
                self.channels[peer] = number
                self.channelPeers[number] = peer
                self.channelTimers[number]?.cancel()
                self.channelTimers[number] = self.loop.schedule(in: self.configuration.channelRefresh) { [weak self] in
                    self?.bindChannel(peer)
                }
                completion?(.success(number))
            case .failure(let e):
                completion?(.failure(e))
            }
        }
    }

    /// The channel bound to `peer`, if any.
    public func channel(for peer: TransportAddress) -> UInt16? { channels[peer] }

    private func allocateChannelNumber() -> UInt16? {
        let range = ChannelData.channelRange
        let used = Set(channels.values).union(pendingChannels.values)
        for _ in 0..<range.count {
            let n = nextChannel
            nextChannel = n == range.upperBound ? range.lowerBound : n + 1
            if !used.contains(n) { return n }
        }
        return nil
    }

    // MARK: - Data (RFC 8656 §11, §12.4)

    /// Sends `bytes` to `peer` through the relay: as ChannelData when a channel is bound, else in a
    /// Send indication. The peer needs a permission (or channel) first, or the server drops it.
    @discardableResult
    public func send(_ bytes: [UInt8], to peer: TransportAddress) -> Bool {
        guard state == .allocated else { return false }
        if let number = channels[peer], let frame = ChannelData(channelNumber: number, data: bytes) {
            sendDatagram(frame.encode(padded: false), server)
            return true
        }
        var m = STUNMessage(.indication, .send)
        m.xorPeerAddress = peer
        m.data = bytes
        guard let packet = try? m.encoded() else { return false }  // data beyond 64 KiB
        sendDatagram(packet, server)
        return true
    }

    // MARK: - Closing

    /// Deallocates (a Refresh with LIFETIME 0, RFC 8656 §8) and stops every timer. `completion`
    /// runs when the server answered or the request timed out.
    public func close(_ completion: (() -> Void)? = nil) {
        guard state == .allocated else {
            stopTimers()
            stun.cancelAll()
            if state != .closed { setState(.closed) }
            completion?()
            return
        }
        setState(.closing)
        stopTimers()
        request(.refresh, build: { $0.lifetime = 0 }) { [weak self] _ in
            guard let self else { return }
            self.relayedAddress = nil
            self.setState(.closed)
            completion?()
        }
    }

    private func fail() {
        stopTimers()
        relayedAddress = nil
        setState(.failed)
    }

    private func stopTimers() {
        refreshTimer?.cancel()
        refreshTimer = nil
        for t in permissions.values { t.cancel() }
        permissions.removeAll()
        for t in channelTimers.values { t.cancel() }
        channelTimers.removeAll()
        channels.removeAll()
        channelPeers.removeAll()
    }
}
