import Testing
@testable import RTCCore
@testable import RTCDTLS
import RTCTestSupport

@Suite struct DTLSTransportTests {
    @Test func handshakeAndDataBothWays() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.start()
        loop.run()
        #expect(pair.bothConnected)
        #expect(pair.clientStates == [.connecting, .connected])
        #expect(pair.serverStates == [.connecting, .connected])
        #expect(pair.client.negotiatedCipher == "ECDHE-ECDSA-AES128-GCM-SHA256")
        #expect(pair.server.negotiatedCipher == "ECDHE-ECDSA-AES128-GCM-SHA256")
        #expect(pair.client.verifiedRemoteFingerprint == pair.serverCertificate.fingerprint)
        #expect(pair.server.verifiedRemoteFingerprint == pair.clientCertificate.fingerprint)

        #expect(pair.client.send(Array("hello server".utf8)))
        #expect(pair.server.send(Array("hello client".utf8)))
        let big = (0..<1100).map { UInt8(truncatingIfNeeded: $0) }
        #expect(pair.client.send(big))
        loop.run()
        #expect(pair.serverReceived == [Array("hello server".utf8), big])
        #expect(pair.clientReceived == [Array("hello client".utf8)])
    }

    @Test func aPreparedContextIsTakenWhenItFits() throws {
        let loop = ManualEventLoop()
        var prepared: [DTLSRole: DTLSContext] = [:]
        let pair = try DTLSPair(loop: loop) { config in
            let context = try! DTLSContext(certificate: config.certificate)
            prepared[config.role] = context
            config.preparedContext = context
        }
        #expect(pair.client.context == prepared[.client]?.pointer)
        #expect(pair.server.context == prepared[.server]?.pointer)
        prepared.removeAll()  // the transports hold their own references
        pair.start()
        loop.run()
        #expect(pair.bothConnected)
        #expect(pair.client.verifiedRemoteFingerprint == pair.serverCertificate.fingerprint)
        #expect(pair.server.verifiedRemoteFingerprint == pair.clientCertificate.fingerprint)
    }

    @Test func aContextPreparedForAnotherCertificateIsNotTaken() throws {
        let loop = ManualEventLoop()
        let stranger = try DTLSContext(certificate: DTLSCertificate.generate())
        let pair = try DTLSPair(loop: loop) { $0.preparedContext = stranger }
        #expect(pair.client.context != stranger.pointer)
        pair.start()
        loop.run()
        // With the stranger's certificate the peers' fingerprint checks would fail.
        #expect(pair.bothConnected)
    }

    @Test func eachSendIsOneRecordInOneDatagram() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.start()
        loop.run()
        let before = pair.clientTap.sent.count
        for i in 0..<10 { pair.client.send([UInt8](repeating: UInt8(i), count: 100 + i)) }
        loop.run()
        let datagrams = pair.clientTap.sent[before...]
        #expect(datagrams.count == 10)
        for d in datagrams {
            #expect(d.first == DTLSRecord.applicationData)
            #expect(DTLSRecord.split(d).count == 1)
        }
        #expect(pair.serverReceived.map(\.count) == (0..<10).map { 100 + $0 })
    }

    @Test func serverMayStartFirstOrAfterTheClientHello() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.client.start()
        loop.run()
        // The server has not started: the ClientHello waits in its held queue.
        #expect(pair.server.state == .new)
        #expect(pair.client.state == .connecting)
        pair.server.start()
        loop.run()
        #expect(pair.bothConnected)
    }

    @Test func recordsWaitForTheUpperLayer() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.server.onReceive = nil
        pair.start()
        loop.run()
        pair.client.send([1, 2, 3])
        pair.client.send([4])
        loop.run()
        var late: [[UInt8]] = []
        pair.server.onReceive = { late.append($0) }
        #expect(late == [[1, 2, 3], [4]])
    }

    @Test(arguments: [DTLSRole.client, DTLSRole.server])
    func wrongFingerprintFailsTheCheckingSide(checker: DTLSRole) throws {
        let loop = ManualEventLoop()
        let wrong = try DTLSCertificate.generate().fingerprint
        let pair = try DTLSPair(
            loop: loop,
            clientExpects: checker == .client ? [wrong] : nil,
            serverExpects: checker == .server ? [wrong] : nil)
        pair.start()
        loop.run()
        // Whatever the other side believes, nothing it sends may reach the checking side's user.
        _ = pair.client.send(Array("secret".utf8))
        _ = pair.server.send(Array("secret".utf8))
        loop.advance(by: .seconds(5))

        let checking = checker == .client ? pair.client : pair.server
        let expectedActual =
            checker == .client ? pair.serverCertificate.fingerprint : pair.clientCertificate.fingerprint
        #expect(checking.state == .failed(.fingerprintMismatch(expected: [wrong.sdpValue],
                                                                actual: expectedActual.sdpValue)))
        let message = checking.state.failure?.description ?? ""
        #expect(message.contains(wrong.hexValue) && message.contains(expectedActual.hexValue))
        // The peer learns of it through the alert and fails too; nobody ever connected.
        let other = checker == .client ? pair.server : pair.client
        #expect(other.state.isFailed)
        #expect(other.state.failure?.description.contains("bad certificate") == true)
        #expect(!pair.clientStates.contains(.connected) || checker == .server)
        #expect(!pair.serverStates.contains(.connected))
        #expect(pair.clientReceived.isEmpty)
        #expect(pair.serverReceived.isEmpty)
        #expect(checking.srtpKeyingMaterial == nil)
    }

    @Test func anyOfSeveralFingerprintsMayMatch() throws {
        let loop = ManualEventLoop()
        let wrong = try DTLSCertificate.generate().fingerprint
        var pair: DTLSPair!
        pair = try DTLSPair(loop: loop, clientExpects: [wrong])
        // Replace with a sha-512 of the real one plus the wrong sha-256, before the handshake.
        pair.client.remoteFingerprints = [wrong, pair.serverCertificate.fingerprint(.sha512)]
        pair.start()
        loop.run()
        #expect(pair.bothConnected)
        #expect(pair.client.verifiedRemoteFingerprint?.algorithm == .sha512)
    }

    @Test func missingFingerprintFails() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop, serverExpects: [])
        pair.start()
        loop.run()
        #expect(pair.server.state == .failed(.missingRemoteFingerprint))
        #expect(pair.client.state.isFailed)
    }

    @Test func srtpKeysAreEqualAndCrossed() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.start()
        loop.run()
        let c = try #require(pair.client.srtpKeyingMaterial)
        let s = try #require(pair.server.srtpKeyingMaterial)
        #expect(c.profile == .aeadAes128Gcm)
        #expect(s.profile == .aeadAes128Gcm)
        #expect(c.localKey.count == 16 && c.localSalt.count == 12)
        #expect(c.localKey == s.remoteKey && c.localSalt == s.remoteSalt)
        #expect(c.remoteKey == s.localKey && c.remoteSalt == s.localSalt)
        #expect(c.localKey != c.remoteKey)
        #expect(c.localMasterKey == c.localKey + c.localSalt)
    }

    @Test func srtpFallsBackToAESCM() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop) { config in
            if config.role == .server { config.srtpProfiles = [.aes128CmHmacSha1_80] }
        }
        pair.start()
        loop.run()
        let c = try #require(pair.client.srtpKeyingMaterial)
        let s = try #require(pair.server.srtpKeyingMaterial)
        #expect(c.profile == .aes128CmHmacSha1_80 && s.profile == .aes128CmHmacSha1_80)
        #expect(c.localSalt.count == 14)
        #expect(c.localMasterKey == s.remoteMasterKey && c.remoteMasterKey == s.localMasterKey)
    }

    @Test func noSRTPWhenDisabled() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop) { $0.srtpProfiles = [] }
        pair.start()
        loop.run()
        #expect(pair.bothConnected)
        #expect(pair.client.srtpKeyingMaterial == nil && pair.server.srtpKeyingMaterial == nil)
    }

    @Test(arguments: [300, 600, 1200])
    func handshakeDatagramsRespectTheMTU(mtu: Int) throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop) { $0.mtu = mtu }
        pair.start()
        loop.run()
        #expect(pair.bothConnected)
        let all = pair.clientTap.sent + pair.serverTap.sent
        #expect(all.allSatisfy { $0.count <= mtu })
        // Records are packed: the server's second flight is only split when the MTU forces it.
        if mtu == 1200 { #expect(pair.serverTap.sent.count <= 2) }
    }

    @Test func garbageFromBelowIsHarmless() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        // Garbage before and during the handshake.
        pair.link.a.send([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 5, 1, 2, 3, 4, 5])
        pair.start()
        pair.link.a.send([0, 1, 0, 0])
        loop.run()
        #expect(pair.bothConnected)

        pair.client.send(Array("first".utf8))
        loop.run()
        let captured = pair.clientTap.sent.last!

        var rng = SplitMix64(seed: 42)
        var junk: [[UInt8]] = [[], [23], [128, 1, 2], captured]  // empty, short, RTP-like, replayed record
        for length in [13, 14, 50, 200, 1199, 3000] {
            junk.append((0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        for type: UInt8 in [20, 21, 22, 23] {
            // Well-formed headers with the current epoch and random bodies: fail authentication.
            var record: [UInt8] = [type, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0x10, 0, 0, 40]
            record += (0..<40).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            junk.append(record)
            // Epoch 0 plaintext after the handshake.
            var plain: [UInt8] = [type, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 4, 1, 0, 0, 0]
            plain[12] = 4
            junk.append(plain)
        }
        // A well-formed plaintext ClientHello fragment: passes our sanitizer, OpenSSL must ignore it
        // on an established session (wrong epoch).
        let hello: [UInt8] = [1, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 8] + [0xfe, 0xfd, 1, 2, 3, 4, 5, 6]
        junk.append([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0x30, 0, UInt8(hello.count)] + hello)
        for j in junk {
            pair.link.a.send(j)
            pair.link.b.send(j)
        }
        loop.run()
        #expect(pair.bothConnected)
        #expect(pair.serverReceived == [Array("first".utf8)])  // the replay was not delivered twice
        #expect(pair.clientReceived.isEmpty)

        pair.client.send(Array("still".utf8))
        pair.server.send(Array("working".utf8))
        loop.run()
        #expect(pair.serverReceived.last == Array("still".utf8))
        #expect(pair.clientReceived == [Array("working".utf8)])
    }

    @Test func closeSendsCloseNotify() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.start()
        loop.run()
        pair.client.close()
        #expect(pair.client.state == .closed)
        #expect(!pair.client.send([1]))
        loop.run()
        #expect(pair.server.state == .closed)
        #expect(pair.serverStates == [.connecting, .connected, .closed])
        #expect(!pair.server.send([1]))
    }

    @Test func sendBeforeConnectedIsRefused() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        #expect(!pair.client.send([1]))
        pair.start()
        #expect(!pair.client.send([1]))
        loop.run()
        #expect(!pair.client.send([]))
        #expect(!pair.client.send([UInt8](repeating: 0, count: DTLSTransport.maxRecordPayload + 1)))
        #expect(pair.client.send([1]))
    }

    /// Janus and libdatachannel drop a ClientHello that arrives before their ICE is connected.
    /// The peer's first ICE check after it proves the peer listens: the ClientHello goes again at
    /// once (virtual time 20 ms here), not after a retransmission timer, and only once.
    @Test func unansweredClientHelloIsResentOnceWhenThePeerShowsItListens() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        var hellosDropped = 0
        pair.clientTap.drop = { datagram in
            // The first two ClientHellos (handshake record, msg_type 1) never arrive.
            guard isClientHello(datagram),
                  hellosDropped < 2 else { return false }
            hellosDropped += 1
            return true
        }
        pair.start()
        loop.run()
        #expect(pair.client.state == .connecting && pair.server.state == .connecting)
        loop.advance(by: .milliseconds(20))
        #expect(!pair.bothConnected)
        pair.client.peerIsListening()  // resent, dropped again (the second drop)
        pair.client.peerIsListening()  // once only: nothing more
        loop.run()
        #expect(hellosDropped == 2)
        let hellos = { pair.clientTap.sent.filter(isClientHello) }
        #expect(hellos().count == 2)
        #expect(!pair.bothConnected)
        // The peer's first nominating check (Janus counts itself connected only after its
        // nomination succeeded) earns one more resend, which now gets through; only one.
        pair.client.peerIsListening(nominating: true)
        pair.client.peerIsListening(nominating: true)
        loop.run()
        #expect(hellos().count == 3)
        #expect(pair.bothConnected)

        // A fresh pair where only the first ClientHello is lost: the kick alone connects it.
        let loop2 = ManualEventLoop()
        let pair2 = try DTLSPair(loop: loop2)
        var dropped = false
        pair2.clientTap.drop = { datagram in
            guard !dropped else { return false }
            dropped = true
            return true
        }
        let start2 = loop2.now
        pair2.start()
        loop2.run()
        pair2.server.peerIsListening()  // the server has nothing to resend
        loop2.advance(by: .milliseconds(20))
        #expect(!pair2.bothConnected)
        pair2.client.peerIsListening()
        loop2.run()
        #expect(pair2.bothConnected)
        #expect(loop2.now.since(start2) == .milliseconds(20))
        let sentAfter = pair2.clientTap.sent.count
        pair2.client.peerIsListening()  // connected: nothing to resend
        loop2.run()
        #expect(pair2.clientTap.sent.count == sentAfter)
    }

    /// Janus as DTLS server sets up its DTLS only once our answer to its nominating check has
    /// reached it, so the copy sent beside that answer can be dropped too: more follow 10 ms
    /// later and then at doubling gaps (10, 30, 70 ms after the check), long before the first
    /// retransmission timer (100 ms here), and none once the handshake moved on.
    @Test(arguments: [(dropped: 3, openAt: 30), (dropped: 4, openAt: 50)])
    func aClientHelloDroppedAtTheNominationIsSentAgainShortlyAfter(dropped: Int, openAt: Int) throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        var hellosDropped = 0
        pair.clientTap.drop = { datagram in
            // The first flight, the resend on a plain check, the one on the nominating check,
            // and (second case) the first follow-up.
            guard isClientHello(datagram),
                  hellosDropped < dropped else { return false }
            hellosDropped += 1
            return true
        }
        let hellos = { pair.clientTap.sent.filter(isClientHello).count }
        let start = loop.now
        pair.start()
        loop.run()
        loop.advance(by: .milliseconds(20))
        pair.client.peerIsListening()
        pair.client.peerIsListening(nominating: true)
        loop.run()
        #expect(hellosDropped == 3)
        #expect(!pair.bothConnected)
        while !pair.bothConnected && loop.now.since(start) < .milliseconds(100) {
            loop.advance(by: .milliseconds(1))
            loop.run()
        }
        #expect(pair.bothConnected)
        #expect(loop.now.since(start) == .milliseconds(openAt))
        #expect(hellos() == dropped + 1)
        loop.advance(by: .milliseconds(200))
        loop.run()
        #expect(hellos() == dropped + 1, "a follow-up after the handshake moved on")
    }

    /// A kick after the server answered must not resend the ClientHello: only the ClientHello
    /// that nobody answered is resent.
    @Test func answeredClientHelloIsNotResent() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.link.delay = .milliseconds(10)
        pair.start()
        // Client's ClientHello reached the server at 10 ms, the server's flight reaches the
        // client at 20 ms; at 25 ms the client is past its first flight.
        loop.advance(by: .milliseconds(25))
        let sent = pair.clientTap.sent.count
        #expect(sent >= 2)  // ClientHello and the second flight
        pair.client.peerIsListening()
        #expect(pair.clientTap.sent.count == sent)
        loop.advance(by: .milliseconds(100))
        #expect(pair.bothConnected)
    }

    /// The first timeout is twice the ICE round trip within 50 ms...3 s, 100 ms when unknown;
    /// OpenSSL then asks our timer callback for each next one: doubled, at most 60 s
    /// (RFC 6347 §4.2.4.1).
    @Test(arguments: [(nil, 100_000), (1, 50_000), (40, 80_000), (700, 1_400_000), (5000, 3_000_000)] as [(Int?, UInt32)])
    func retransmitTimeoutStartsFromTheRoundTrip(rttMs: Int?, expectedMicros: UInt32) throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        pair.link.a.blackhole = true
        pair.client.start(roundTripTime: rttMs.map { .milliseconds($0) })
        #expect(pair.client.initialTimeoutMicros == expectedMicros)
        var timeouts: [UInt32] = []
        var previous: UInt32 = 0
        for _ in 0..<14 {
            previous = pair.client.nextRetransmitTimeout(after: previous)
            timeouts.append(previous)
        }
        #expect(timeouts[0] == expectedMicros)
        for i in 1..<timeouts.count {
            #expect(timeouts[i] == min(2 * timeouts[i - 1], 60_000_000))
        }
        #expect(timeouts.last == 60_000_000)
    }

    /// With a CBC suite OpenSSL 3.0 (encrypt-then-MAC) ends the connection on any forged record
    /// with a bad MAC; a bad AEAD tag is discarded. So only AEAD suites are offered.
    @Test func onlyAEADSuitesAreOffered() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop)
        let names = DTLSTransport.defaultCipherList.split(separator: ":")
        #expect(!names.isEmpty)
        #expect(names.allSatisfy { $0.hasSuffix("-GCM-SHA256") || $0.hasSuffix("-GCM-SHA384") || $0.hasSuffix("-CHACHA20-POLY1305") })
        pair.start()
        loop.run()
        #expect(pair.bothConnected)
    }

    @Test func handshakeTimesOutWhenThePeerIsSilent() throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop) { $0.handshakeTimeout = .seconds(5) }
        pair.link.a.blackhole = true
        pair.start()
        loop.advance(by: .seconds(6))
        #expect(pair.client.state == .failed(.handshakeTimeout))
        #expect(pair.server.state == .failed(.handshakeTimeout))
    }
}

/// A datagram whose first record is a handshake record carrying a ClientHello (msg_type 1).
private func isClientHello(_ datagram: [UInt8]) -> Bool {
    datagram.count > 13 && datagram[0] == DTLSRecord.handshake && datagram[13] == 1
}
