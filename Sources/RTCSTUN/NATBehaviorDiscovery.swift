import RTCCore

/// What `NATBehaviorDiscovery` found: the JSON object `rtc stun-probe` prints.
public struct NATBehaviorResult: Codable, Hashable, Sendable {
    /// One test of RFC 5780 §4 and what came of it.
    public struct Test: Codable, Hashable, Sendable {
        /// `mapping-1` (test I), `mapping-2`, `mapping-3`, `filtering-2`, `filtering-3`,
        /// `hairpinning`.
        public var name: String
        /// `ok` (answered as asked), `no-response`, `error` (an error response or a response from
        /// the wrong address), `invalid` (responses came but none verified, or one had no usable
        /// mapped address), `redirected` (300 Try Alternate, followed once), or `impossible` (the
        /// server cannot run it).
        public var outcome: String
        /// The request's destination.
        public var server: String?
        /// XOR-MAPPED-ADDRESS of the response, when there was one.
        public var mapped: String?
        /// Where the response came from.
        public var source: String?
        public var detail: String?

        public init(name: String, outcome: String, server: String? = nil, mapped: String? = nil,
                    source: String? = nil, detail: String? = nil) {
            self.name = name
            self.outcome = outcome
            self.server = server
            self.mapped = mapped
            self.source = source
            self.detail = detail
        }
    }

    /// The error response that ended the probe (RFC 8489 §14.8).
    public struct ErrorResponse: Codable, Hashable, Sendable {
        /// ERROR-CODE's code (e.g. 401); nil when the error response had no valid ERROR-CODE.
        public var code: Int?
        public var reason: String?
    }

    /// The server that answered (the ALTERNATE-SERVER after a 300 redirect).
    public var server: String
    public var local: String
    public var mapped: String?
    public var rttMs: Double?
    /// OTHER-ADDRESS of the server (RFC 5780 §7.4), when it has one.
    public var otherAddress: String?
    /// Whether the mapped address differs from the local one; nil when there was no response.
    public var natDetected: Bool?
    public var mapping: NATBehavior?
    public var filtering: NATBehavior?
    public var nat: NATType
    /// RFC 5780 §4.5: whether a packet to our own mapped address came back; nil if not tested.
    public var hairpinning: Bool?
    public var tests: [Test]
    /// Names of tests that could not run, with the reason in `tests`.
    public var impossible: [String]
    /// Set when mapping test I got an error response instead of a mapped address.
    public var error: ErrorResponse?

    enum CodingKeys: String, CodingKey {
        case server, local, mapped, rttMs = "rtt_ms", otherAddress = "other_address", natDetected = "nat_detected"
        case mapping, filtering, nat, hairpinning, tests, impossible, error
    }

    /// Unknown values are written as `null` rather than left out, so a reader sees what was not
    /// determined.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(server, forKey: .server)
        try c.encode(local, forKey: .local)
        try c.encode(mapped, forKey: .mapped)
        try c.encode(rttMs, forKey: .rttMs)
        try c.encode(otherAddress, forKey: .otherAddress)
        try c.encode(natDetected, forKey: .natDetected)
        try c.encode(mapping, forKey: .mapping)
        try c.encode(filtering, forKey: .filtering)
        try c.encode(nat, forKey: .nat)
        try c.encode(hairpinning, forKey: .hairpinning)
        try c.encode(tests, forKey: .tests)
        try c.encode(impossible, forKey: .impossible)
        try c.encode(error, forKey: .error)
    }
}

/// RFC 5780 NAT behaviour discovery over one local socket: mapping tests I–III (§4.3), filtering
/// tests II–III (§4.4) and hairpinning (§4.5), run one after another so that one test's packets
/// cannot open the filter another one probes.
///
/// Order: mapping test I (which is also filtering test I), then filtering II and III, then
/// mapping II and III. Until the filtering tests are done only the primary address has been
/// contacted, so the NAT's filter is open toward nothing else; running mapping II/III first
/// would send to the alternate address and make any NAT with endpoint-independent mapping look
/// like endpoint-independent filtering (pion's discovery uses a second socket for the same reason).
///
/// Needs a server with OTHER-ADDRESS and CHANGE-REQUEST support for everything past test I;
/// without them the affected tests are reported `impossible` and the behaviours stay nil.
///
/// Runs on the client's loop. Feed every datagram of the socket to `client.handle`, and hand
/// unmatched STUN (the hairpin request coming back) through `client.onUnmatched`, which
/// `start` sets.
public final class NATBehaviorDiscovery {
    public struct Configuration: Sendable {
        /// How long each test waits for a response; a filtering test's "no response" is a result,
        /// so the total time is a few times this.
        public var testTimeout: Duration = .seconds(3)
        /// RTO for each request (RFC 8489 §6.2.1).
        public var rto: Duration = .milliseconds(500)
        /// Run the hairpinning test (§4.5).
        public var hairpinning = true
        /// Short-term credentials (RFC 8489 §9.1): requests carry USERNAME and MESSAGE-INTEGRITY,
        /// and responses not signed with the password are discarded.
        public var username: String?
        public var password: String?

        public init(testTimeout: Duration = .seconds(3), rto: Duration = .milliseconds(500), hairpinning: Bool = true,
                    username: String? = nil, password: String? = nil) {
            self.testTimeout = testTimeout
            self.rto = rto
            self.hairpinning = hairpinning
            self.username = username
            self.password = password
        }
    }

    private let client: STUNClient
    private var server: TransportAddress
    /// Whether a 300 has been followed already (RFC 8489 §10: once is enough).
    private var redirected = false
    /// The error response of the last `binding`, if it ended with one.
    private var lastError: STUNResponse?
    private let local: TransportAddress
    private let configuration: Configuration
    private var result: NATBehaviorResult
    private var completion: ((NATBehaviorResult) -> Void)?
    private var mapped1: TransportAddress?
    private var other: TransportAddress?
    private var hairpinID: STUNTransactionID?
    private var hairpinTimer: ScheduledTask?

    /// - Parameters:
    ///   - local: the socket's own address (a specific IP, not a wildcard, to detect "no NAT").
    public init(client: STUNClient, server: TransportAddress, local: TransportAddress,
                configuration: Configuration = Configuration()) {
        self.client = client
        self.server = server
        self.local = local
        self.configuration = configuration
        result = NATBehaviorResult(server: server.description, local: local.description, nat: .unknown,
                                   tests: [], impossible: [])
    }

    private var requestConfiguration: STUNClient.Configuration {
        STUNClient.Configuration(rto: configuration.rto, overallTimeout: configuration.testTimeout)
    }

    private var localIsWildcard: Bool { local.ip.allSatisfy { $0 == 0 } }

    private var integrityKey: [UInt8]? { configuration.password.map(STUNMessage.shortTermKey(password:)) }

    /// Runs the tests; `completion` gets the result once, on the loop.
    public func start(_ completion: @escaping (NATBehaviorResult) -> Void) {
        self.completion = completion
        client.onUnmatched = { [weak self] message, _ in self?.unmatched(message) }
        mappingTestI()
    }

    // MARK: - Binding with one test's bookkeeping

    private func binding(_ name: String, to destination: TransportAddress, change: STUNChangeRequest? = nil,
                         _ then: @escaping (STUNResponse?) -> Void) {
        var request = STUNMessage(.request, .binding)
        if let change { request.changeRequest = change }
        if let username = configuration.username { request.username = username }
        if let key = integrityKey { request.addMessageIntegrity(key: key) }
        request.addFingerprint()
        lastError = nil
        // The client discards responses with a wrong FINGERPRINT or MESSAGE-INTEGRITY.
        client.request(request, to: destination, configuration: requestConfiguration,
                       integrityKey: integrityKey) { [weak self] r in
            guard let self else { return }
            switch r {
            case .success(let response) where response.message.messageClass == .errorResponse:
                let code = response.message.errorCode.map(\.description) ?? "without a valid ERROR-CODE"
                self.lastError = response
                self.record(name, "error", destination, response, detail: "error response \(code)")
                then(nil)
            case .success(let response):
                let m = response.message
                if let mapped = m.xorMappedAddress ?? m.mappedAddress, let why = mapped.unusableReason {
                    self.record(name, "invalid", destination, response, detail: "mapped address \(mapped): \(why)")
                    return then(nil)
                }
                self.record(name, "ok", destination, response)
                then(response)
            case .failure(.invalidResponses(let n, let reason)):
                self.record(name, "invalid", destination, nil,
                            detail: "no valid response: \(n) discarded, the last for \(reason)")
                then(nil)
            case .failure(let e):
                self.record(name, "no-response", destination, nil, detail: "\(e)")
                then(nil)
            }
        }
    }

    private func record(_ name: String, _ outcome: String, _ destination: TransportAddress, _ r: STUNResponse?,
                        detail: String? = nil) {
        let mapped = r.flatMap { $0.message.xorMappedAddress ?? $0.message.mappedAddress }
        var notes = detail.map { [$0] } ?? []
        // RFC 5780 §7.3: RESPONSE-ORIGIN is where the server says it sent from; it decides
        // nothing here (the socket's source address does), so a bad one is only noted.
        if let r, let origin = r.message.responseOrigin {
            if let why = origin.unusableReason {
                notes.append("RESPONSE-ORIGIN \(origin) ignored: \(why)")
            } else if origin != r.source {
                notes.append("RESPONSE-ORIGIN \(origin) differs from the source \(r.source)")
            }
        }
        result.tests.append(.init(name: name, outcome: outcome, server: destination.description,
                                  mapped: mapped?.description, source: r?.source.description,
                                  detail: notes.isEmpty ? nil : notes.joined(separator: "; ")))
    }

    private func impossible(_ name: String, _ reason: String) {
        result.tests.append(.init(name: name, outcome: "impossible", detail: reason))
        result.impossible.append(name)
    }

    // MARK: - Mapping (RFC 5780 §4.3)

    private func mappingTestI() {
        binding("mapping-1", to: server) { [self] r in
            if r == nil, let e = lastError, followAlternate(e) { return }
            guard let r, let mapped = r.message.xorMappedAddress ?? r.message.mappedAddress else {
                // Silence is "UDP blocked" (or the server is down); an error or an answer without
                // a mapped address leaves everything unknown.
                if let e = lastError?.message {
                    result.error = .init(code: e.errorCode?.code, reason: e.errorCode?.reason)
                } else if let last = result.tests.indices.last, result.tests[last].outcome == "ok" {
                    result.tests[last].outcome = "invalid"
                    result.tests[last].detail = "success response without XOR-MAPPED-ADDRESS or MAPPED-ADDRESS"
                }
                return finish(reachable: result.tests.last?.outcome != "no-response")
            }
            mapped1 = mapped
            result.mapped = mapped.description
            result.rttMs = (r.rtt.milliseconds * 1000).rounded() / 1000
            result.natDetected = localIsWildcard ? nil : mapped != local
            let offered = r.message.otherAddress
            let problem = offered.flatMap(otherAddressProblem)
            other = problem == nil ? offered : nil
            result.otherAddress = other?.description
            guard other != nil else {
                let why = offered.map { "OTHER-ADDRESS \($0) not trusted: \(problem!)" }
                    ?? "server sent no OTHER-ADDRESS (RFC 5780 not supported)"
                for name in ["mapping-2", "mapping-3", "filtering-2", "filtering-3"] { impossible(name, why) }
                return hairpinTest()
            }
            filteringTestII()
        }
    }

    /// Why the server's OTHER-ADDRESS (RFC 5780 §7.4) cannot be used for the tests that need a
    /// second IP and port, or nil when it can.
    private func otherAddressProblem(_ other: TransportAddress) -> String? {
        if let why = other.unusableReason { return why }
        if other.family != server.family { return "not the address family of \(server)" }
        if other.ip == server.ip || other.port == server.port {
            return "does not differ from \(server) in both IP and port"
        }
        return nil
    }

    /// RFC 8489 §10: a 300 (Try Alternate) names another server in ALTERNATE-SERVER. Follows it
    /// once, restarting at mapping test I there; true when it did.
    private func followAlternate(_ response: STUNResponse) -> Bool {
        guard response.message.errorCode?.code == STUNErrorCode.tryAlternate,
              let last = result.tests.indices.last
        else { return false }
        let why: String
        if redirected {
            why = "already redirected once"
        } else if let alternate = response.message.alternateServer {
            if let bad = alternate.unusableReason {
                why = "ALTERNATE-SERVER \(alternate) is unusable: \(bad)"
            } else if alternate.family != server.family {
                why = "ALTERNATE-SERVER \(alternate) is not of the address family of \(server)"
            } else if alternate == server {
                why = "ALTERNATE-SERVER is the server itself"
            } else {
                redirected = true
                result.tests[last].outcome = "redirected"
                result.tests[last].detail = "300 Try Alternate to \(alternate)"
                server = alternate
                result.server = alternate.description
                mappingTestI()
                return true
            }
        } else {
            why = "no ALTERNATE-SERVER"
        }
        result.tests[last].detail = (result.tests[last].detail ?? "") + "; not followed: " + why
        return false
    }

    /// After the filtering tests: mapping tests II and III, unless there is no NAT.
    private func mappingTests() {
        guard let other else { return hairpinTest() }
        if result.natDetected == false {
            // No NAT: the mapping is trivially endpoint-independent (§4.3: "no NAT").
            result.mapping = .endpointIndependent
            return hairpinTest()
        }
        mappingTestII(other: other)
    }

    private func mappingTestII(other: TransportAddress) {
        let destination = TransportAddress(ip: other.ip, port: server.port)!
        binding("mapping-2", to: destination) { [self] r in
            guard let m2 = r.flatMap({ $0.message.xorMappedAddress ?? $0.message.mappedAddress }) else {
                impossible("mapping-3", "mapping-2 got no usable response")
                return hairpinTest()
            }
            if m2 == mapped1 {
                result.mapping = .endpointIndependent
                return hairpinTest()
            }
            binding("mapping-3", to: other) { [self] r in
                if let m3 = r.flatMap({ $0.message.xorMappedAddress ?? $0.message.mappedAddress }) {
                    result.mapping = m3 == m2 ? .addressDependent : .addressAndPortDependent
                }
                hairpinTest()
            }
        }
    }

    // MARK: - Filtering (RFC 5780 §4.4)

    private func filteringTestII() {
        binding("filtering-2", to: server, change: [.changeIP, .changePort]) { [self] r in
            if let r, let other, r.source.ip == other.ip, r.source.port == other.port {
                result.filtering = .endpointIndependent
                return mappingTests()
            }
            if let r, let other {
                // Answered, but not from the alternate address: the server ignored CHANGE-REQUEST.
                result.tests[result.tests.count - 1].outcome = "error"
                result.tests[result.tests.count - 1].detail = "response came from \(r.source), not \(other)"
                impossible("filtering-3", "server does not honour CHANGE-REQUEST")
                return mappingTests()
            }
            filteringTestIII()
        }
    }

    private func filteringTestIII() {
        binding("filtering-3", to: server, change: [.changePort]) { [self] r in
            if let r, let other, r.source.ip == server.ip, r.source.port == other.port {
                result.filtering = .addressDependent
            } else if r == nil, result.tests.last?.outcome == "no-response" {
                result.filtering = .addressAndPortDependent
            } else {
                result.tests[result.tests.count - 1].outcome = "error"
            }
            mappingTests()
        }
    }

    // MARK: - Hairpinning (RFC 5780 §4.5)

    private func hairpinTest() {
        guard configuration.hairpinning, let mapped1 else { return finish(reachable: true) }
        // Send a Binding request to our own mapped address; if the NAT hairpins it, it arrives on
        // our socket as a request (which matches no transaction).
        var request = STUNMessage(.request, .binding)
        request.addFingerprint()
        hairpinID = request.transactionID
        let limit = min(configuration.testTimeout, configuration.rto * 4)
        client.request(request, to: mapped1, configuration: STUNClient.Configuration(
            rto: configuration.rto, maxTransmissions: 3, overallTimeout: limit)) { _ in }
        hairpinTimer = client.loop.schedule(in: limit) { [weak self] in self?.hairpinDone(false) }
    }

    private func unmatched(_ message: STUNMessage) {
        if message.messageClass == .request, message.transactionID == hairpinID { hairpinDone(true) }
    }

    private func hairpinDone(_ arrived: Bool) {
        guard let id = hairpinID else { return }
        hairpinID = nil
        hairpinTimer?.cancel()
        client.cancel(id)
        result.hairpinning = arrived
        result.tests.append(.init(name: "hairpinning", outcome: arrived ? "ok" : "no-response",
                                  server: mapped1?.description,
                                  detail: arrived ? "request to own mapped address came back" : nil))
        finish(reachable: true)
    }

    private func finish(reachable: Bool) {
        if !reachable { result.mapped = nil }
        result.nat = NATType.classify(reachable: reachable, natDetected: result.natDetected, mapping: result.mapping,
                                      filtering: result.filtering)
        client.onUnmatched = nil
        let c = completion
        completion = nil
        c?(result)
    }
}

extension TransportAddress {
    /// Why a server-supplied address (OTHER-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, a mapped
    /// address) cannot be a unicast peer, or nil when it can: port 0, an unspecified, multicast,
    /// broadcast or reserved IPv4 address, or an unspecified or multicast IPv6 one.
    package var unusableReason: String? {
        if port == 0 { return "port 0" }
        if ip.allSatisfy({ $0 == 0 }) { return "unspecified address" }
        if family == .ipv4 {
            if ip[0] == 0 { return "'this network' address (0.0.0.0/8)" }
            if ip[0] >= 224, ip[0] <= 239 { return "multicast address" }
            if ip[0] >= 240 { return ip.allSatisfy({ $0 == 255 }) ? "broadcast address" : "reserved address (240.0.0.0/4)" }
        } else if ip[0] == 0xFF {
            return "multicast address"
        }
        return nil
    }
}
