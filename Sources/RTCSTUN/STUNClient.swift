import RTCCore

/// A STUN response matched to its request, with where it came from and how long it took.
public struct STUNResponse: Sendable {
    public var message: STUNMessage
    /// The transport address the response came from (RFC 5780 tests compare it with the request's
    /// destination).
    public var source: TransportAddress
    /// Time from the first transmission to the response.
    public var rtt: Duration
    /// How many times the request was sent (1 when no retransmission was needed).
    public var transmissions: Int
}

/// Client transactions over an unreliable transport (RFC 8489 §6.2.1): requests are matched to
/// responses by transaction ID and retransmitted with a doubling RTO until a response arrives,
/// `Rc` requests have been sent and `Rm × RTO` has passed after the last, or an overall deadline
/// expires, whichever comes first.
///
/// Runs on one `EventLoop`; nothing here is thread-safe. The client does not own a socket: it
/// sends through an injected function and is fed datagrams through `handle(_:from:)`, so unit
/// tests drive it with a `ManualEventLoop` and no sockets, and TURN can share its socket with
/// ChannelData. `attach(to:)` wires it to a `DatagramSocket` when it is the only user.
///
/// ```
/// let client = STUNClient(loop: loop, send: { socket.send($0, to: $1) })
/// client.request(STUNMessage(.request, .binding), to: server) { result in ... }
/// ```
public final class STUNClient {
    /// Retransmission parameters (RFC 8489 §6.2.1).
    public struct Configuration: Sendable {
        /// Initial retransmission timeout; RFC 8489 recommends 500 ms.
        public var rto: Duration = .milliseconds(500)
        /// Rc: requests sent in total (the first plus retransmissions); default 7.
        public var maxTransmissions: Int = 7
        /// Rm: after the last request, wait `Rm × rto` for a response; default 16.
        public var lastWaitMultiplier: Int = 16
        /// Upper bound on one transaction's life, whatever the schedule above; nil for none.
        public var overallTimeout: Duration?

        public init(rto: Duration = .milliseconds(500), maxTransmissions: Int = 7, lastWaitMultiplier: Int = 16,
                    overallTimeout: Duration? = nil) {
            self.rto = rto
            self.maxTransmissions = max(1, maxTransmissions)
            self.lastWaitMultiplier = max(1, lastWaitMultiplier)
            self.overallTimeout = overallTimeout
        }

        /// Offsets from the first send at which requests go out: 0, RTO, 3 RTO, 7 RTO, ...
        /// (RFC 8489 §6.2.1's example: 0, 500, 1500, 3500, 7500, 15500, 31500 ms).
        public var transmissionOffsets: [Duration] {
            var out: [Duration] = [.zero]
            var interval = rto
            var at = Duration.zero
            while out.count < maxTransmissions {
                at += interval
                out.append(at)
                interval += interval
            }
            return out
        }

        /// When a transaction with no response fails: after the last request plus `Rm × RTO`
        /// (39.5 s with the defaults), or `overallTimeout` if sooner.
        public var giveUpAfter: Duration {
            let natural = transmissionOffsets.last! + rto * lastWaitMultiplier
            if let overallTimeout { return min(natural, overallTimeout) }
            return natural
        }
    }

    public typealias Completion = (Result<STUNResponse, STUNClientError>) -> Void

    private final class Transaction {
        let id: STUNTransactionID
        let packet: [UInt8]
        let destination: TransportAddress
        let completion: Completion
        let startedAt: LoopInstant
        let integrityKey: [UInt8]?
        var transmissions = 0
        var timer: ScheduledTask?
        /// Responses that matched but failed verification, and why the last one did.
        var discarded = 0
        var discardReason = ""

        init(id: STUNTransactionID, packet: [UInt8], destination: TransportAddress, startedAt: LoopInstant,
             integrityKey: [UInt8]?, completion: @escaping Completion) {
            self.id = id
            self.packet = packet
            self.destination = destination
            self.startedAt = startedAt
            self.integrityKey = integrityKey
            self.completion = completion
        }
    }

    public let loop: EventLoop
    public var configuration: Configuration
    private let sendDatagram: ([UInt8], TransportAddress) -> Void
    private var transactions: [STUNTransactionID: Transaction] = [:]
    /// STUN datagrams that match no transaction (requests, indications, late responses).
    public var onUnmatched: ((STUNMessage, TransportAddress) -> Void)?

    /// - Parameters:
    ///   - send: puts one datagram on the wire; called on the loop.
    public init(loop: EventLoop, configuration: Configuration = Configuration(),
                send: @escaping ([UInt8], TransportAddress) -> Void) {
        self.loop = loop
        self.configuration = configuration
        self.sendDatagram = send
    }

    /// A client that sends on `socket` and takes over its `onDatagram` (non-STUN datagrams are
    /// dropped).
    public convenience init(loop: EventLoop, socket: DatagramSocket, configuration: Configuration = Configuration()) {
        self.init(loop: loop, configuration: configuration, send: { [weak socket] in socket?.send($0, to: $1) })
        attach(to: socket)
    }

    /// Routes `socket`'s datagrams to `handle(_:from:)`.
    public func attach(to socket: DatagramSocket) {
        socket.onDatagram = { [weak self] bytes, from in _ = self?.handle(bytes, from: from) }
    }

    /// Number of transactions still waiting for a response.
    public var pendingCount: Int { transactions.count }

    /// Sends `request` to `destination` and calls `completion` once, on the loop, with the
    /// matching response (success or error class) or a timeout.
    ///
    /// A response whose FINGERPRINT is present but wrong (RFC 8489 §7.3), or, with
    /// `integrityKey`, whose MESSAGE-INTEGRITY(-SHA256) is missing or wrong (§9.1.4, §9.2.5), is
    /// discarded as if it had never arrived: retransmissions go on, and if no valid response
    /// comes the transaction ends with `.invalidResponses` instead of `.timeout`.
    ///
    /// - Parameters:
    ///   - configuration: overrides the client's retransmission settings for this one.
    ///   - integrityKey: the credential key responses must be signed with; nil when the request
    ///     carries no credentials.
    /// - Returns: the request's transaction ID, for `cancel(_:)`.
    @discardableResult
    public func request(_ request: STUNMessage, to destination: TransportAddress,
                        configuration override: Configuration? = nil, integrityKey: [UInt8]? = nil,
                        completion: @escaping Completion) -> STUNTransactionID {
        let config = override ?? configuration
        let packet: [UInt8]
        do {
            packet = try request.encoded()
        } catch {
            // Values in the request may come from a server (REALM, NONCE): fail, never trap.
            let reason = "\(error)"
            loop.enqueue { completion(.failure(.cannotEncode(reason))) }
            return request.transactionID
        }
        let t = Transaction(id: request.transactionID, packet: packet, destination: destination,
                            startedAt: loop.now, integrityKey: integrityKey, completion: completion)
        transactions[t.id] = t
        transmit(t, config: config, offsets: config.transmissionOffsets[...], giveUpAt: t.startedAt + config.giveUpAfter)
        return t.id
    }

    /// Sends the next request in `offsets` and arms the timer for the one after (or the give-up).
    private func transmit(_ t: Transaction, config: Configuration, offsets: ArraySlice<Duration>,
                          giveUpAt: LoopInstant) {
        guard transactions[t.id] === t else { return }
        t.transmissions += 1
        sendDatagram(t.packet, t.destination)
        let rest = offsets.dropFirst()
        if let next = rest.first, t.startedAt + next < giveUpAt {
            t.timer = loop.schedule(at: t.startedAt + next) { [weak self, weak t] in
                guard let self, let t else { return }
                self.transmit(t, config: config, offsets: rest, giveUpAt: giveUpAt)
            }
        } else {
            t.timer = loop.schedule(at: giveUpAt) { [weak self, weak t] in
                guard let self, let t, self.transactions[t.id] === t else { return }
                self.transactions[t.id] = nil
                t.completion(.failure(t.discarded > 0
                    ? .invalidResponses(count: t.discarded, reason: t.discardReason)
                    : .timeout(transmissions: t.transmissions)))
            }
        }
    }

    /// Feeds one received datagram. Returns true when it was a STUN message (matched or handed
    /// to `onUnmatched`), false for anything else (ChannelData, DTLS, garbage).
    @discardableResult
    public func handle(_ bytes: [UInt8], from source: TransportAddress) -> Bool {
        guard STUNMessage.isSTUN(bytes), let message = try? STUNMessage(decoding: bytes) else { return false }
        if message.messageClass.isResponse, let t = transactions[message.transactionID] {
            if let reason = Self.rejection(of: message, integrityKey: t.integrityKey) {
                t.discarded += 1
                t.discardReason = reason
                Log.debug("discarded response from \(source): \(reason)", "stun")
                return true
            }
            transactions[t.id] = nil
            t.timer?.cancel()
            t.completion(.success(STUNResponse(message: message, source: source, rtt: loop.now.since(t.startedAt),
                                               transmissions: t.transmissions)))
        } else {
            onUnmatched?(message, source)
        }
        return true
    }

    /// Why a matched response must not be believed, or nil when it verifies.
    ///
    /// RFC 8489 §7.3: a FINGERPRINT that is present must be last and correct. §9.1.4 (short-term)
    /// and §9.2.5 (long-term): with credentials, a response without a valid integrity attribute
    /// is discarded; only 400 and 401, which a server sends when it cannot check our
    /// credentials, may come unsigned.
    package static func rejection(of message: STUNMessage, integrityKey: [UInt8]?) -> String? {
        if message.attributes.contains(where: { $0.type == .fingerprint }) {
            do { try message.verifyFingerprint() } catch { return "\(error)" }
        }
        guard let key = integrityKey else { return nil }
        do {
            if message.contains(.messageIntegritySHA256) {
                try message.verifyMessageIntegritySHA256(key: key)
            } else if message.contains(.messageIntegrity) {
                try message.verifyMessageIntegrity(key: key)
            } else if let code = message.errorCode?.code, message.messageClass == .errorResponse,
                      code == STUNErrorCode.badRequest || code == STUNErrorCode.unauthorized {
                return nil
            } else {
                return "no MESSAGE-INTEGRITY although the request carried credentials"
            }
        } catch {
            return "\(error)"
        }
        return nil
    }

    /// Ends one transaction with `.cancelled`; no-op if it already finished.
    public func cancel(_ id: STUNTransactionID) {
        guard let t = transactions.removeValue(forKey: id) else { return }
        t.timer?.cancel()
        t.completion(.failure(.cancelled))
    }

    /// Ends every pending transaction with `.cancelled`.
    public func cancelAll() {
        for id in Array(transactions.keys) { cancel(id) }
    }
}
