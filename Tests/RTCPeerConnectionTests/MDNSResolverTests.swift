import Testing
@testable import RTCCore
@testable import RTCSDP
@testable import RTCMDNS
@testable import RTCICE
@testable import RTCPeerConnection

/// The mDNS resolver on the manual clock with a fake transport, the candidate hook in front of
/// the ICE agent, and the real socket against a unicast responder on loopback.
@Suite struct MDNSResolverTests {
    /// Records queries; the test answers through `onMessage`.
    // @unchecked Sendable (and for `Setup`, `Count`) is safe: these tests run a ManualEventLoop on
    // the test's thread, so the transport factory closure and its state are used by that thread only.
    final class FakeTransport: MDNSTransport, @unchecked Sendable {
        var onMessage: (([UInt8], TransportAddress) -> Void)?
        var sent: [DNSMessage] = []
        var closed = false
        func sendQuery(_ bytes: [UInt8]) { sent.append(try! DNSMessage.parse(bytes)) }
        func close() { closed = true }
        func answer(_ m: DNSMessage, from: TransportAddress = TransportAddress(ipv4: 10, 0, 0, 2, port: 5353)) {
            onMessage?(try! m.serialize(), from)
        }
    }

    static let name = "7d5a5bd4-5be8-4e4e-9ed1-bb2c3b0b6d3e.local"

    static func answer(_ name: String, type: UInt16 = DNSMessage.RecordType.a, ip: [UInt8] = [10, 0, 0, 2],
                       ttl: UInt32 = 120) -> DNSMessage {
        DNSMessage(flags: DNSMessage.responseFlag | DNSMessage.authoritativeFlag, answers: [
            DNSMessage.Record(name: DNSName(name)!, type: type, cacheFlush: true, ttl: ttl, data: ip),
        ])
    }

    final class Count: @unchecked Sendable { var value = 0 }

    final class Setup: @unchecked Sendable {
        let loop = ManualEventLoop()
        let fake = FakeTransport()
        var opened = 0
        lazy var resolver: MDNSResolver = {
            var c = MDNSResolver.Configuration()
            c.makeTransport = { [unowned self] _ in
                self.opened += 1
                return self.fake
            }
            return MDNSResolver(loop: loop, configuration: c)
        }()
        var results: [[UInt8]?] = []
        func resolve(_ name: String = MDNSResolverTests.name) { resolver.resolve(name) { self.results.append($0) } }
    }

    @Test func asksAAndAAAAOneQuestionEachAndTakesTheAnswer() {
        let s = Setup()
        s.resolve()
        #expect(s.fake.sent.count == 2)
        #expect(s.fake.sent.map { $0.questions.map(\.type) } == [[DNSMessage.RecordType.a], [DNSMessage.RecordType.aaaa]])
        #expect(s.fake.sent.allSatisfy {
            $0.id == 0 && !$0.isResponse && $0.questions[0].name == DNSName(Self.name)! && !$0.questions[0].unicastResponse
        })
        s.loop.advance(by: .milliseconds(12))
        #expect(s.results.isEmpty)
        s.fake.answer(Self.answer(Self.name.uppercased()))  // names match case-insensitively
        #expect(s.results == [[10, 0, 0, 2]])
        // No retry after the answer; the cached answer comes at once without a query.
        s.loop.advance(by: .seconds(5))
        s.resolve()
        #expect(s.results == [[10, 0, 0, 2], [10, 0, 0, 2]] && s.fake.sent.count == 2 && s.opened == 1)
    }

    @Test func takesAnIPv6AnswerFromTheAdditionalSection() {
        let s = Setup()
        s.resolve()
        let v6: [UInt8] = [0xfd, 0x12] + [UInt8](repeating: 0, count: 13) + [7]
        var m = Self.answer("other.local")
        m.additionals = [DNSMessage.Record(name: DNSName(Self.name)!, type: DNSMessage.RecordType.aaaa, ttl: 120, data: v6)]
        s.fake.answer(m)
        #expect(s.results == [v6])
    }

    @Test func retriesOnceThenGivesUpAfterOneSecondAndCachesTheFailure() {
        let s = Setup()
        s.resolve()
        s.loop.advance(by: .milliseconds(499))
        #expect(s.fake.sent.count == 2)
        s.loop.advance(by: .milliseconds(1))
        #expect(s.fake.sent.count == 4 && s.results.isEmpty)
        s.loop.advance(by: .milliseconds(499))
        #expect(s.results.isEmpty)
        s.loop.advance(by: .milliseconds(1))
        #expect(s.results.count == 1 && s.results[0] == nil)
        s.loop.advance(by: .seconds(10))
        #expect(s.fake.sent.count == 4)
        s.resolve()
        #expect(s.results.count == 2 && s.results[1] == nil && s.fake.sent.count == 4)
        // A late answer changes nothing.
        s.fake.answer(Self.answer(Self.name))
        #expect(s.results.count == 2)
    }

    @Test func anAnswerToTheRetryResolves() {
        let s = Setup()
        s.resolve()
        s.loop.advance(by: .milliseconds(700))
        s.fake.answer(Self.answer(Self.name, ip: [192, 168, 5, 9]))
        #expect(s.results == [[192, 168, 5, 9]])
    }

    @Test func ignoresWhatIsNotAnAnswerForTheName() {
        let s = Setup()
        s.resolve()
        let from = TransportAddress(ipv4: 10, 0, 0, 3, port: 5353)
        for q in s.fake.sent { s.fake.onMessage?(try! q.serialize(), from) }      // our query looped back
        var query = Self.answer(Self.name)
        query.flags = 0                                                           // a query carrying a record
        s.fake.answer(query)
        s.fake.onMessage?([0, 0, 0x84, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0xC0], from)    // malformed
        s.fake.onMessage?(DNSMessageTests.chromiumGoodbye, from)                  // TTL 0
        s.fake.answer(Self.answer(Self.name, ttl: 0))                             // goodbye for our name
        s.fake.answer(Self.answer("someone-else.local"))
        s.fake.answer(Self.answer(Self.name, ip: [1, 2, 3]))                      // A with 3 bytes
        s.fake.answer(Self.answer(Self.name, type: 16, ip: [1, 2, 3, 4]))         // TXT
        #expect(s.results.isEmpty)
        s.fake.answer(Self.answer(Self.name))
        #expect(s.results == [[10, 0, 0, 2]])
    }

    @Test func concurrentLookupsOfOneNameShareTheQueries() {
        let s = Setup()
        s.resolve()
        s.resolve(Self.name.uppercased())
        #expect(s.fake.sent.count == 2)
        s.fake.answer(Self.answer(Self.name))
        #expect(s.results == [[10, 0, 0, 2], [10, 0, 0, 2]])
    }

    @Test func namesOutsideLocalAndAFailingSocketResolveToNil() {
        let s = Setup()
        s.resolve("example.com")
        s.resolve("10.0.0.1")
        s.resolve("")
        #expect(s.results.count == 3 && s.results.allSatisfy { $0 == nil } && s.opened == 0)

        let loop = ManualEventLoop()
        var c = MDNSResolver.Configuration()
        let attempts = Count()
        c.makeTransport = { _ in
            attempts.value += 1
            throw SocketError.system("bind", 98)
        }
        let r = MDNSResolver(loop: loop, configuration: c)
        var got: [[UInt8]?] = []
        r.resolve("a.local") { got.append($0) }
        r.resolve("b.local") { got.append($0) }
        #expect(got.count == 2 && got.allSatisfy { $0 == nil } && attempts.value == 1)
    }

    @Test func lookupsPerSessionAreBounded() {
        let s = Setup()
        for i in 0..<20 { s.resolve("host-\(i).local") }
        #expect(s.fake.sent.count == 2 * 16)
        #expect(s.results.count == 4 && s.results.allSatisfy { $0 == nil })
        s.fake.answer(Self.answer("host-3.local"))
        s.resolve("host-3.local")  // cached answers still come back
        #expect(s.results.suffix(2) == [[10, 0, 0, 2], [10, 0, 0, 2]])
    }

    @Test func closeCancelsLookupsAndClosesTheSocket() {
        let s = Setup()
        s.resolve()
        s.resolver.close()
        #expect(s.fake.closed)
        s.loop.advance(by: .seconds(2))
        #expect(s.results.isEmpty && s.fake.sent.count == 2)
    }

    // MARK: - In front of the ICE agent

    @Test func remoteCandidatesResolveAndHoldEndOfCandidatesBack() throws {
        let s = Setup()
        let agent = ICEAgent(loop: s.loop, role: .controlling,
                             configuration: ICEAgent.Configuration(hostAddresses: [TransportAddress(ipv4: 127, 0, 0, 1, port: 0)]))
        try agent.gather()
        defer { agent.close() }
        let remote = RemoteCandidates(agent: agent, resolver: s.resolver)
        func candidate(_ ip: String, port: Int, transport: String = "udp") -> SDPCandidate {
            SDPCandidate(foundation: "1", transport: transport, priority: 2_113_937_151, ip: ip, port: port)
        }
        remote.add(candidate(Self.name, port: 50_000))
        remote.add(candidate("gone-away.local", port: 50_001))
        remote.add(candidate("other.local", port: 9, transport: "tcp"))  // TCP: never queried
        remote.add(candidate("127.0.0.1", port: 50_002))
        remote.end()
        #expect(agent.remoteCandidates.map(\.address.description) == ["127.0.0.1:50002"])
        #expect(!agent.remoteGatheringDone)
        #expect(s.fake.sent.count == 4)
        s.fake.answer(Self.answer(Self.name, ip: [127, 0, 0, 1]))
        #expect(agent.remoteCandidates.map(\.address.description) == ["127.0.0.1:50002", "127.0.0.1:50000"])
        #expect(agent.remoteCandidates[1].priority == 2_113_937_151 && agent.remoteCandidates[1].kind == .host)
        #expect(!agent.remoteGatheringDone)  // gone-away.local is still being asked for
        s.loop.advance(by: .milliseconds(999))
        #expect(!agent.remoteGatheringDone)
        s.loop.advance(by: .milliseconds(1))
        #expect(agent.remoteGatheringDone && agent.remoteCandidates.count == 2)
    }

    /// Through the public API: `.local` names in the remote description and trickled ones both
    /// reach the ICE agent once answered; the configuration's transport replaces the socket.
    @Test func peerConnectionResolvesDescribedAndTrickledNames() throws {
        let loop = ManualEventLoop()
        let fake = FakeTransport()
        var c = PeerConnection.Configuration()
        c.iceHosts = [TransportAddress(ipv4: 127, 0, 0, 1, port: 0)]
        let offerer = try PeerConnection(loop: loop, configuration: c)
        c.mdns.makeTransport = { _ in fake }
        let answerer = try PeerConnection(loop: loop, configuration: c)
        defer { offerer.close(); answerer.close() }
        var offer = offerer.createOffer()
        let port = offerer.ice.localCandidates[0].address.port
        let at = try #require(offer.sdp.firstRange(ofText: " 127.0.0.1 \(port) "))
        offer.sdp.replaceSubrange(at, with: " \(Self.name) \(port) ")
        #expect(offer.sdp.containsText(Self.name))
        try answerer.setRemoteDescription(offer)
        #expect(answerer.ice.remoteCandidates.isEmpty && fake.sent.count == 2)
        fake.answer(Self.answer(Self.name, ip: [127, 0, 0, 1]))
        #expect(answerer.ice.remoteCandidates.map(\.address) == [TransportAddress(ipv4: 127, 0, 0, 1, port: port)])

        try answerer.addRemoteCandidate(ICECandidateInit(
            candidate: "candidate:2 1 udp 2113937150 trickled.local 40000 typ host", sdpMid: "0", sdpMLineIndex: 0))
        #expect(fake.sent.count == 4)
        fake.answer(Self.answer("trickled.local", ip: [127, 0, 0, 1]))
        #expect(answerer.ice.remoteCandidates.map(\.address.port) == [port, 40000])
    }

    // MARK: - The real socket

    /// A responder on a unicast loopback port answers the resolver's real socket (the multicast
    /// path needs a namespace: Scripts/interop/mdns-chromium).
    @Test func realSocketResolvesAgainstALoopbackResponder() async throws {
        let loop = PollEventLoop()
        loop.start(name: "mdns-test")
        defer { _ = loop.stopAndWait() }
        // @unchecked Sendable is safe: filled on the loop, read in `runAndWait` on the loop after the result.
        final class Box: @unchecked Sendable {
            var responder: UDPSocket?
            var resolver: MDNSResolver?
            var questions: [DNSMessage.Question] = []
        }
        let box = Box()
        let result: [UInt8]? = try await withCheckedThrowingContinuation { continuation in
            loop.execute {
                do {
                    let responder = try UDPSocket(loop: loop, bindTo: TransportAddress(ipv4: 127, 0, 0, 1, port: 0))
                    responder.onDatagram = { bytes, from in
                        guard let q = try? DNSMessage.parse(bytes), let question = q.questions.first else { return }
                        box.questions.append(question)
                        guard question.type == DNSMessage.RecordType.a else { return }
                        responder.send(try! Self.answer(question.name.description, ip: [127, 0, 0, 9]).serialize(), to: from)
                    }
                    var c = MDNSResolver.Configuration()
                    c.socket = MDNSSocket.Configuration(port: 0, destinations: [responder.localAddress])
                    let resolver = MDNSResolver(loop: loop, configuration: c)
                    box.responder = responder
                    box.resolver = resolver
                    resolver.resolve(Self.name) { continuation.resume(returning: $0) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        #expect(result == [127, 0, 0, 9])
        let questions = try loop.runAndWait {
            box.resolver?.close()
            box.responder?.close()
            return box.questions
        }
        #expect(questions.map(\.type).contains(DNSMessage.RecordType.aaaa))
    }
}
