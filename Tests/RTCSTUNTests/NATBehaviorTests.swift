import Testing
@testable import RTCCore
@testable import RTCSTUN

@Suite struct NATBehaviorTests {
    // MARK: Classification table

    @Test(arguments: [
        (true, true, NATBehavior.endpointIndependent, NATBehavior.endpointIndependent, NATType.fullCone),
        (true, true, .endpointIndependent, .addressDependent, .restrictedCone),
        (true, true, .endpointIndependent, .addressAndPortDependent, .portRestrictedCone),
        (true, true, .addressDependent, .endpointIndependent, .symmetric),
        (true, true, .addressAndPortDependent, .addressAndPortDependent, .symmetric),
        (true, false, .endpointIndependent, .endpointIndependent, .openInternet),
        (true, false, .endpointIndependent, .addressAndPortDependent, .symmetricUDPFirewall),
        (false, true, .endpointIndependent, .endpointIndependent, .udpBlocked),
    ] as [(Bool, Bool, NATBehavior, NATBehavior, NATType)])
    func classification(reachable: Bool, nat: Bool, mapping: NATBehavior, filtering: NATBehavior, expected: NATType) {
        #expect(NATType.classify(reachable: reachable, natDetected: nat, mapping: mapping, filtering: filtering) == expected)
    }

    @Test func missingBehavioursGiveUnknownNotAGuess() {
        #expect(NATType.classify(reachable: true, natDetected: true, mapping: nil, filtering: nil) == .unknown)
        #expect(NATType.classify(reachable: true, natDetected: true, mapping: .endpointIndependent, filtering: nil) == .unknown)
        #expect(NATType.classify(reachable: true, natDetected: false, mapping: nil, filtering: nil) == .unknown)
        // Symmetric needs no filtering result.
        #expect(NATType.classify(reachable: true, natDetected: true, mapping: .addressDependent, filtering: nil) == .symmetric)
        #expect(NATType.classify(reachable: false, natDetected: nil, mapping: nil, filtering: nil) == .udpBlocked)
    }

    // MARK: Discovery against a simulated NAT + RFC 5780 server

    /// A NAT (RFC 4787 behaviours) in front of one client socket, and a STUN server with two IPs
    /// and two ports, all on a manual loop.
    final class World {
        let loop = ManualEventLoop()
        let local = TransportAddress(ipv4: 10, 0, 0, 2, port: 5000)
        let publicIP: [UInt8] = [203, 0, 113, 1]
        let serverIPs: [[UInt8]] = [[192, 0, 2, 1], [192, 0, 2, 2]]
        let serverPorts: [UInt16] = [3478, 3479]
        var mapping: NATBehavior?  // nil: no NAT
        var filtering: NATBehavior = .endpointIndependent
        var supportsRFC5780 = true
        var hairpin = false
        var reachable = true
        private var mappings: [String: UInt16] = [:]
        private var contacted: Set<String> = []  // filter keys per the filtering behaviour
        lazy var client = STUNClient(loop: loop, send: { [unowned self] b, to in outbound(b, to: to) })

        var primary: TransportAddress { TransportAddress(ip: serverIPs[0], port: serverPorts[0])! }

        private func mappingKey(_ to: TransportAddress) -> String {
            switch mapping {
            case .endpointIndependent?, nil: return ""
            case .addressDependent?: return "\(to.ip)"
            case .addressAndPortDependent?: return to.description
            }
        }

        private func filterKey(_ a: TransportAddress) -> String {
            switch filtering {
            case .endpointIndependent: return ""
            case .addressDependent: return "\(a.ip)"
            case .addressAndPortDependent: return a.description
            }
        }

        func mapped(toward to: TransportAddress) -> TransportAddress {
            guard mapping != nil else { return local }
            let key = mappingKey(to)
            if mappings[key] == nil { mappings[key] = UInt16(40000 + mappings.count) }
            return TransportAddress(ip: publicIP, port: mappings[key]!)!
        }

        func outbound(_ bytes: [UInt8], to: TransportAddress) {
            let src = mapped(toward: to)
            contacted.insert(filterKey(to))
            if to.ip == publicIP || to == local {
                // Hairpin: to our own public address.
                guard hairpin || mapping == nil else { return }
                loop.enqueue { [self] in client.handle(bytes, from: src) }
                return
            }
            guard reachable, let i = serverIPs.firstIndex(of: to.ip), let j = serverPorts.firstIndex(of: to.port),
                  let request = try? STUNMessage(decoding: bytes), request.messageClass == .request
            else { return }
            var ri = i, rj = j
            if supportsRFC5780, let change = request.changeRequest {
                if change.contains(.changeIP) { ri = 1 - i }
                if change.contains(.changePort) { rj = 1 - j }
            }
            let from = TransportAddress(ip: serverIPs[ri], port: serverPorts[rj])!
            var response = request.response()
            response.xorMappedAddress = src
            if supportsRFC5780 {
                response.otherAddress = TransportAddress(ip: serverIPs[1 - i], port: serverPorts[1 - j])!
                response.responseOrigin = from
            }
            inbound(response.encode(), from: from)
        }

        func inbound(_ bytes: [UInt8], from: TransportAddress) {
            guard mapping == nil && filtering == .endpointIndependent || contacted.contains(filterKey(from))
            else { return }
            loop.enqueue { [self] in client.handle(bytes, from: from) }
        }

        func discover() -> NATBehaviorResult? {
            var out: NATBehaviorResult?
            let d = NATBehaviorDiscovery(client: client, server: primary, local: local,
                                         configuration: .init(testTimeout: .seconds(2)))
            d.start { out = $0 }
            loop.advance(until: { out != nil }, step: .milliseconds(100), limit: .seconds(60))
            return out
        }
    }

    @Test(arguments: [
        (NATBehavior?.none, NATBehavior.endpointIndependent, NATType.openInternet),
        (nil, .addressAndPortDependent, .symmetricUDPFirewall),
        (.endpointIndependent, .endpointIndependent, .fullCone),
        (.endpointIndependent, .addressDependent, .restrictedCone),
        (.endpointIndependent, .addressAndPortDependent, .portRestrictedCone),
        (.addressDependent, .addressAndPortDependent, .symmetric),
        (.addressAndPortDependent, .addressAndPortDependent, .symmetric),
    ] as [(NATBehavior?, NATBehavior, NATType)])
    func discoversSimulatedNAT(mapping: NATBehavior?, filtering: NATBehavior, expected: NATType) throws {
        let w = World()
        w.mapping = mapping
        w.filtering = filtering
        let r = try #require(w.discover())
        #expect(r.nat == expected, "\(r.tests)")
        #expect(r.mapping == (mapping ?? .endpointIndependent))
        #expect(r.filtering == filtering)
        #expect(r.natDetected == (mapping != nil))
        #expect(r.impossible.isEmpty)
        #expect(r.tests.first?.name == "mapping-1")
    }

    @Test func hairpinningReported() throws {
        let w = World()
        w.mapping = .endpointIndependent
        w.hairpin = true
        #expect(try #require(w.discover()).hairpinning == true)
        let w2 = World()
        w2.mapping = .endpointIndependent
        let r = try #require(w2.discover())
        #expect(r.hairpinning == false)
    }

    @Test func serverWithoutOtherAddressSaysWhatWasImpossible() throws {
        let w = World()
        w.mapping = .endpointIndependent
        w.supportsRFC5780 = false
        let r = try #require(w.discover())
        #expect(r.mapped == "203.0.113.1:40000")
        #expect(r.nat == .unknown)
        #expect(r.mapping == nil && r.filtering == nil)
        #expect(r.impossible == ["mapping-2", "mapping-3", "filtering-2", "filtering-3"])
    }

    @Test func unreachableServerIsUDPBlockedWithinTheTestTimeout() throws {
        let w = World()
        w.reachable = false
        let start = w.loop.now
        let r = try #require(w.discover())
        #expect(r.nat == .udpBlocked)
        #expect(r.mapped == nil)
        #expect(w.loop.now.since(start) <= .milliseconds(2100))
        #expect(r.tests.map(\.outcome) == ["no-response"])
    }
}
