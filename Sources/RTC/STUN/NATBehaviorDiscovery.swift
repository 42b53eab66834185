/// What `NATBehaviorDiscovery` found: the JSON object `rtc stun-probe` prints.
public struct NATBehaviorResult: Codable, Hashable, Sendable {
    /// One test of RFC 5780 §4 and what came of it.
    public struct Test: Codable, Hashable, Sendable {
        /// `mapping-1` (test I), `mapping-2`, `mapping-3`, `filtering-2`, `filtering-3`,
        /// `hairpinning`.
        public var name: String
        /// `ok` (answered as asked), `no-response`, `error` (an error response or a response from
        /// the wrong address), or `impossible` (the server cannot run it).
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

    enum CodingKeys: String, CodingKey {
        case server, local, mapped, rttMs = "rtt_ms", otherAddress = "other_address", natDetected = "nat_detected"
        case mapping, filtering, nat, hairpinning, tests, impossible
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

        public init(testTimeout: Duration = .seconds(3), rto: Duration = .milliseconds(500), hairpinning: Bool = true) {
            self.testTimeout = testTimeout
            self.rto = rto
            self.hairpinning = hairpinning
        }
    }

    private let client: STUNClient
    private let server: TransportAddress
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
        request.addFingerprint()
        client.request(request, to: destination, configuration: requestConfiguration) { [weak self] r in
            guard let self else { return }
            switch r {
            case .success(let response) where response.message.messageClass == .errorResponse:
                let code = response.message.errorCode.map(\.description) ?? "no ERROR-CODE"
                self.record(name, "error", destination, response, detail: "error response \(code)")
                then(nil)
            case .success(let response):
                self.record(name, "ok", destination, response)
                then(response)
            case .failure(let e):
                self.record(name, "no-response", destination, nil, detail: "\(e)")
                then(nil)
            }
        }
    }

    private func record(_ name: String, _ outcome: String, _ destination: TransportAddress, _ r: STUNResponse?,
                        detail: String? = nil) {
        let mapped = r.flatMap { $0.message.xorMappedAddress ?? $0.message.mappedAddress }
        result.tests.append(.init(name: name, outcome: outcome, server: destination.description,
                                  mapped: mapped?.description, source: r?.source.description, detail: detail))
    }

    private func impossible(_ name: String, _ reason: String) {
        result.tests.append(.init(name: name, outcome: "impossible", detail: reason))
        result.impossible.append(name)
    }

    // MARK: - Mapping (RFC 5780 §4.3)

    private func mappingTestI() {
        binding("mapping-1", to: server) { [self] r in
            guard let r, let mapped = r.message.xorMappedAddress ?? r.message.mappedAddress else {
                // Silence is "UDP blocked" (or the server is down); an error or an answer without
                // a mapped address leaves everything unknown.
                return finish(reachable: result.tests.last?.outcome != "no-response")
            }
            mapped1 = mapped
            result.mapped = mapped.description
            result.rttMs = (r.rtt.milliseconds * 1000).rounded() / 1000
            result.natDetected = localIsWildcard ? nil : mapped != local
            other = r.message.otherAddress
            result.otherAddress = other?.description
            guard let other, other.ip != server.ip, other.port != server.port else {
                let why = r.message.otherAddress == nil
                    ? "server sent no OTHER-ADDRESS (RFC 5780 not supported)"
                    : "OTHER-ADDRESS \(other!) does not differ from \(server) in both IP and port"
                for name in ["mapping-2", "mapping-3", "filtering-2", "filtering-3"] { impossible(name, why) }
                return hairpinTest()
            }
            filteringTestII()
        }
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
