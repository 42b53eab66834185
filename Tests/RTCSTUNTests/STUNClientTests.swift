import Testing
@testable import RTCCore
@testable import RTCSTUN

@Suite struct STUNClientTests {
    let server = TransportAddress(ipv4: 192, 0, 2, 1, port: 3478)

    /// A client on a manual loop whose sends are recorded with their time.
    final class Harness {
        let loop = ManualEventLoop()
        var sent: [(at: LoopInstant, bytes: [UInt8], to: TransportAddress)] = []
        lazy var client = STUNClient(loop: loop, send: { [unowned self] b, to in sent.append((loop.now, b, to)) })
        var results: [Result<STUNResponse, STUNClientError>] = []
        let start: LoopInstant

        init(_ configuration: STUNClient.Configuration = .init()) {
            start = loop.now
            client.configuration = configuration
        }

        func offsetsMs() -> [Int64] { sent.map { $0.at.since(start).nanoseconds / 1_000_000 } }
    }

    @Test func scheduleMatchesRFC8489Example() {
        let c = STUNClient.Configuration()
        #expect(c.transmissionOffsets.map { $0.nanoseconds / 1_000_000 } == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(c.giveUpAfter == .milliseconds(39500))
        #expect(STUNClient.Configuration(overallTimeout: .seconds(2)).giveUpAfter == .seconds(2))
    }

    @Test func retransmitsWithDoublingRTOThenTimesOut() {
        let h = Harness()
        h.client.request(STUNMessage(.request, .binding), to: server) { h.results.append($0) }
        h.loop.advance(by: .milliseconds(39499))
        #expect(h.offsetsMs() == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(h.results.isEmpty)
        h.loop.advance(by: .milliseconds(1))
        #expect(h.results.count == 1)
        if case .failure(.timeout(let n)) = h.results[0] { #expect(n == 7) } else { Issue.record("\(h.results)") }
        #expect(h.client.pendingCount == 0)
        #expect(Set(h.sent.map(\.bytes)).count == 1, "retransmissions are byte-identical")
    }

    @Test func overallTimeoutBoundsTheTransaction() {
        let h = Harness(.init(overallTimeout: .seconds(2)))
        h.client.request(STUNMessage(.request, .binding), to: server) { h.results.append($0) }
        h.loop.advance(by: .milliseconds(1999))
        #expect(h.offsetsMs() == [0, 500, 1500])
        #expect(h.results.isEmpty)
        h.loop.advance(by: .milliseconds(1))
        if case .failure(.timeout(let n))? = h.results.first { #expect(n == 3) } else { Issue.record("no timeout") }
    }

    @Test func responseMatchedByTransactionIDStopsRetransmission() throws {
        let h = Harness()
        let request = STUNMessage(.request, .binding)
        h.client.request(request, to: server) { h.results.append($0) }
        h.loop.advance(by: .milliseconds(700))
        // An unrelated response and a non-STUN datagram change nothing.
        #expect(h.client.handle(STUNMessage(.successResponse, .binding).encode(), from: server))
        #expect(!h.client.handle([0x40, 0, 0, 0], from: server))
        #expect(h.results.isEmpty)
        var response = request.response()
        response.xorMappedAddress = TransportAddress(ipv4: 198, 51, 100, 7, port: 4000)
        let other = TransportAddress(ipv4: 192, 0, 2, 2, port: 3479)
        h.client.handle(response.encode(), from: other)
        let r = try #require(try h.results.first?.get())
        #expect(r.source == other)
        #expect(r.transmissions == 2)
        #expect(r.rtt == .milliseconds(700))
        #expect(r.message.xorMappedAddress == TransportAddress(ipv4: 198, 51, 100, 7, port: 4000))
        h.loop.advance(by: .seconds(60))
        #expect(h.sent.count == 2)
        #expect(h.results.count == 1)
    }

    @Test func errorResponsesCompleteTooAndUnmatchedGoToHandler() throws {
        let h = Harness()
        var unmatched: [STUNMessage] = []
        h.client.onUnmatched = { m, _ in unmatched.append(m) }
        let request = STUNMessage(.request, .binding)
        h.client.request(request, to: server) { h.results.append($0) }
        var error = request.response(.errorResponse)
        error.errorCode = STUNErrorCode(400, reason: "Bad Request")
        h.client.handle(error.encode(), from: server)
        #expect(try h.results.first?.get().message.errorCode?.code == 400)
        h.client.handle(error.encode(), from: server)  // late duplicate
        h.client.handle(STUNMessage(.request, .binding).encode(), from: server)
        #expect(unmatched.count == 2)
    }

    @Test func cancelEndsWithCancelled() {
        let h = Harness()
        let id = h.client.request(STUNMessage(.request, .binding), to: server) { h.results.append($0) }
        h.client.request(STUNMessage(.request, .binding), to: server) { h.results.append($0) }
        h.client.cancel(id)
        h.client.cancelAll()
        #expect(h.results.count == 2)
        #expect(h.results.allSatisfy { if case .failure(.cancelled) = $0 { true } else { false } })
        h.loop.advance(by: .seconds(60))
        #expect(h.sent.count == 2)
    }

    // MARK: Verification of responses (issue 15, finding 8)

    private static func withBadFingerprint(_ m: STUNMessage) -> [UInt8] {
        var m = m
        m.addFingerprint()
        var b = m.encode()
        b[b.count - 1] ^= 0xFF
        return b
    }

    @Test func wrongFingerprintIsDiscardedAndTheTransactionGoesOn() throws {
        let h = Harness()
        let request = STUNMessage(.request, .binding)
        h.client.request(request, to: server) { h.results.append($0) }
        var forged = request.response()
        forged.xorMappedAddress = TransportAddress(ipv4: 198, 51, 100, 9, port: 1)
        #expect(h.client.handle(Self.withBadFingerprint(forged), from: server))
        h.loop.advance(by: .milliseconds(600))
        #expect(h.results.isEmpty, "a response with a wrong FINGERPRINT was believed")
        #expect(h.offsetsMs() == [0, 500], "retransmissions go on")
        var genuine = request.response()
        genuine.xorMappedAddress = TransportAddress(ipv4: 203, 0, 113, 5, port: 4000)
        genuine.addFingerprint()
        h.client.handle(genuine.encode(), from: server)
        let r = try #require(h.results.first).get()
        #expect(r.message.xorMappedAddress == genuine.xorMappedAddress)
    }

    @Test func onlyInvalidResponsesEndAsInvalidNotTimeout() {
        let h = Harness(.init(overallTimeout: .seconds(2)))
        let request = STUNMessage(.request, .binding)
        h.client.request(request, to: server) { h.results.append($0) }
        h.client.handle(Self.withBadFingerprint(request.response()), from: server)
        h.client.handle(Self.withBadFingerprint(request.response()), from: server)
        h.loop.advance(by: .seconds(2))
        guard case .failure(.invalidResponses(let n, let reason))? = h.results.first else {
            Issue.record("\(h.results)")
            return
        }
        #expect(n == 2)
        #expect(reason.contains("FINGERPRINT"))
    }

    @Test func withCredentialsOnlySignedResponsesAreBelieved() throws {
        let key = STUNMessage.shortTermKey(password: "secret-password")
        let h = Harness()
        let request = STUNMessage(.request, .binding)
        h.client.request(request, to: server, integrityKey: key) { h.results.append($0) }
        h.client.handle(request.response().encode(), from: server)  // unsigned
        var wrong = request.response()
        wrong.addMessageIntegrity(key: STUNMessage.shortTermKey(password: "other-password"))
        h.client.handle(wrong.encode(), from: server)
        #expect(h.results.isEmpty)
        var signed = request.response()
        signed.addMessageIntegrity(key: key)
        signed.addFingerprint()
        h.client.handle(signed.encode(), from: server)
        #expect(try #require(h.results.first).get().message.messageClass == .successResponse)
    }

    @Test func unsigned401IsAcceptedWithCredentials() throws {
        let h = Harness()
        let request = STUNMessage(.request, .binding)
        h.client.request(request, to: server, integrityKey: [1, 2, 3]) { h.results.append($0) }
        var e = request.response(.errorResponse)
        e.errorCode = STUNErrorCode(STUNErrorCode.unauthorized, reason: "Unauthorized")
        h.client.handle(e.encode(), from: server)
        #expect(try #require(h.results.first).get().message.errorCode?.code == 401)
    }
}
