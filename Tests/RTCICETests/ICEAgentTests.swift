import Foundation
import Testing
@testable import RTCCore
@testable import RTCSTUN
@testable import RTCVirtualNetwork
@testable import RTCICE
import RTCTestSupport

/// Two ICE agents on a real event loop over loopback UDP.
@Suite struct ICEAgentTests {
    typealias Harness = RealLoop

    static let loopback = [TransportAddress(host: "127.0.0.1", port: 0)!]

    func connectedPair(_ h: Harness, controllingPassword: String? = nil,
                       consentTimeout: Duration = .seconds(30)) throws -> (ICEAgent, ICEAgent) {
        try h.sync {
            var config = ICEAgent.Configuration(hostAddresses: Self.loopback)
            config.consentTimeout = consentTimeout
            let a = ICEAgent(loop: h.loop, role: .controlling, configuration: config)
            let b = ICEAgent(loop: h.loop, role: .controlled, configuration: .init(hostAddresses: Self.loopback))
            try a.gather()
            try b.gather()
            Self.introduce(a, b, controllingPassword: controllingPassword, endOfCandidates: true)
            return (a, b)
        }
    }

    /// Hands each gathered agent the other's credentials and candidates, then starts both.
    static func introduce(_ a: ICEAgent, _ b: ICEAgent, controllingPassword: String? = nil, endOfCandidates: Bool) {
        a.setRemoteCredentials(ufrag: b.localUfrag, password: b.localPassword)
        b.setRemoteCredentials(ufrag: a.localUfrag, password: controllingPassword ?? a.localPassword)
        for c in b.localCandidates { a.addRemoteCandidate(c) }
        for c in a.localCandidates { b.addRemoteCandidate(c) }
        if endOfCandidates {
            a.remoteEndOfCandidates()
            b.remoteEndOfCandidates()
        }
        a.start()
        b.start()
    }

    @Test func agentsConnectAndCarryPackets() throws {
        let h = Harness()
        let (a, b) = try connectedPair(h)
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .milliseconds(5000)))
        var received: [[UInt8]] = []
        #expect(try h.sync {
            b.onReceive = { received.append($0) }
            return a.send([23, 1, 2, 3])
        })
        #expect(h.wait(until: { received == [[23, 1, 2, 3]] }, timeout: .milliseconds(2000)))
        // The round trip of the checks seeds DTLS's first retransmission timeout (its value:
        // checkRoundTripTimeIsThePathDelay, on the manual clock).
        #expect(try h.sync { a.checkRoundTripTime } != nil)
        try h.sync { a.close(); b.close() }
    }

    /// A candidate the controlled side first learned from the peer's checks (peer-reflexive, as
    /// when a WHIP endpoint's relay candidate arrives after its checks) takes the signaled type and
    /// priority once signaled; no second candidate or pair appears for the address.
    @Test func signaledCandidateReplacesItsPeerReflexiveTwin() throws {
        let h = Harness()
        let (a, b) = try h.sync {
            let a = ICEAgent(loop: h.loop, role: .controlling, configuration: .init(hostAddresses: Self.loopback))
            let b = ICEAgent(loop: h.loop, role: .controlled, configuration: .init(hostAddresses: Self.loopback))
            try a.gather()
            try b.gather()
            a.setRemoteCredentials(ufrag: b.localUfrag, password: b.localPassword)
            b.setRemoteCredentials(ufrag: a.localUfrag, password: a.localPassword)
            for c in b.localCandidates { a.addRemoteCandidate(c) }
            a.start()
            b.start()
            return (a, b)
        }
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .milliseconds(5000)))
        let (host, learned, added, signaled, remotes, pairs) = try h.sync {
            defer { a.close(); b.close() }
            let host = try required(a.localCandidates.first, "a's host candidate")
            let learned = b.selectedCandidates?.remote.kind
            let added = b.addRemoteCandidate(host)
            return (host, learned, added, b.selectedCandidates?.remote,
                    b.remoteCandidates.filter { $0.address == host.address }.count,
                    b.pairs.filter { $0.remote.address == host.address }.count)
        }
        #expect(learned == .prflx)
        #expect(added)
        #expect(signaled?.kind == .host)
        #expect(signaled?.priority == host.priority)
        #expect(remotes == 1)
        #expect(pairs == 1)
    }

    /// A valid pair stays usable while it is checked again (nomination, RFC 8445 §8.1.1): data sent
    /// between the nominating request and its response must not be dropped for want of a pair.
    @Test func validPairCarriesDataWhileRechecked() throws {
        let h = Harness()
        let (a, b) = try connectedPair(h)
        #expect(h.wait(until: { a.state == .connected || a.state == .completed }, timeout: .seconds(5)))
        var received: [[UInt8]] = []
        #expect(try h.sync {
            b.onReceive = { received.append($0) }
            let pair = try required(a.selectedPair ?? a.bestValidPair(), "a valid pair")
            // As before nomination completes: valid, not yet selected.
            a.selectedPair = nil
            a.sendCheck(on: pair, nominating: true)
            return a.send([23, 9])
        })
        #expect(h.wait(until: { received == [[23, 9]] }, timeout: .seconds(2)))
        try h.sync { a.close(); b.close() }
    }

    /// RFC 7675: once the peer stops answering, the agent fails within the consent timeout. On
    /// the virtual network and the manual clock, so the bound is exact, not a wall-clock guess.
    @Test func vanishedPeerFailsConsent() throws {
        let loop = ManualEventLoop()
        let net = VirtualNetwork(loop: loop)
        let hostA = net.internet.addHost([198, 51, 100, 1]), hostB = net.internet.addHost([198, 51, 100, 2])
        var configA = ICEAgent.Configuration(hostAddresses: hostA.addresses)
        configA.socketFactory = hostA
        configA.consentTimeout = .milliseconds(900)
        var configB = ICEAgent.Configuration(hostAddresses: hostB.addresses)
        configB.socketFactory = hostB
        let a = ICEAgent(loop: loop, role: .controlling, configuration: configA)
        let b = ICEAgent(loop: loop, role: .controlled, configuration: configB)
        try a.gather()
        try b.gather()
        Self.introduce(a, b, endOfCandidates: false)
        #expect(loop.advance(until: { a.state == .completed && b.state == .completed }, step: .milliseconds(10),
                             limit: .seconds(5)))
        b.close()
        let closedAt = loop.now
        #expect(loop.advance(until: { a.state == .failed }, step: .milliseconds(10), limit: .seconds(5)))
        // Failure comes after the timeout, and no later than one consent interval (timeout / 3) past it.
        let waited = loop.now.since(closedAt)
        #expect(waited >= .milliseconds(600) && waited <= .milliseconds(1200), "failed after \(waited)")
        #expect(a.failureReason?.contains("consent") == true)
        a.close()
    }

    /// The checks' round trip is the path's: 15 ms + 10 ms of host links each way on the virtual
    /// network is 50 ms, exactly, on the manual clock (no wall-clock bound).
    @Test func checkRoundTripTimeIsThePathDelay() throws {
        let loop = ManualEventLoop()
        let net = VirtualNetwork(loop: loop)
        let hostA = net.internet.addHost([198, 51, 100, 1], link: VirtualLink(delay: .milliseconds(15)))
        let hostB = net.internet.addHost([198, 51, 100, 2], link: VirtualLink(delay: .milliseconds(10)))
        var configA = ICEAgent.Configuration(hostAddresses: hostA.addresses)
        configA.socketFactory = hostA
        var configB = ICEAgent.Configuration(hostAddresses: hostB.addresses)
        configB.socketFactory = hostB
        let a = ICEAgent(loop: loop, role: .controlling, configuration: configA)
        let b = ICEAgent(loop: loop, role: .controlled, configuration: configB)
        defer { a.close(); b.close() }
        try a.gather()
        try b.gather()
        #expect(a.checkRoundTripTime == nil)
        Self.introduce(a, b, endOfCandidates: false)
        #expect(loop.advance(until: { a.state == .completed && b.state == .completed }, step: .milliseconds(1),
                             limit: .seconds(5)))
        #expect(a.checkRoundTripTime == .milliseconds(50))
        #expect(b.checkRoundTripTime == .milliseconds(50))
    }

    @Test func wrongPasswordNeverConnects() throws {
        let h = Harness()
        // b checks a with the wrong password: a drops those checks, and a's checks of b get
        // responses b signs with its own password, which a does verify; b never validates a.
        let (a, b) = try connectedPair(h, controllingPassword: "wrong-password-wrong-pw")
        var checksAtA = 0, checksAtB = 0
        try h.sync {
            a.onPeerCheck = { _ in checksAtA += 1 }
            b.onPeerCheck = { _ in checksAtB += 1 }
        }
        #expect(!h.wait(until: { b.state == .completed }, timeout: .milliseconds(1500)))
        // Only authenticated checks tell DTLS that the peer listens.
        #expect(try h.sync { checksAtA } == 0)
        #expect(try h.sync { checksAtB } > 0)
        try h.sync { a.close(); b.close() }
    }

    /// Issue 15: STUN from the peer's own address (spoofed) that fails MESSAGE-INTEGRITY or
    /// answers nothing we asked changes nothing: no role switch, no nomination, no consent, no
    /// learned candidate, no "peer listens" signal to DTLS; each one is counted.
    @Test func forgedSTUNFromThePeersAddressChangesNothing() throws {
        let h = Harness()
        let (a, b) = try connectedPair(h)
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .seconds(5)))
        var peerChecks = 0
        let (verdict, dropped) = try h.sync { () -> (String?, Int) in
            b.onPeerCheck = { _ in peerChecks += 1 }
            let base = b.hostBases[0]
            let peer = try required(b.selectedPair, "b's selected pair").remote.address
            let stranger = TransportAddress(host: "127.0.0.1", port: peer.port &+ 1)!
            var rng: any RandomNumberGenerator = SystemRandomNumberGenerator()
            let before = (b.role, b.state, b.selectedPair.map(ObjectIdentifier.init), b.remoteCandidates.count,
                          b.lastConsent, b.droppedUnauthenticated)
            // A pending check of b's own, whose transaction the forger answers with the wrong key.
            let pending = try required(b.selectedPair, "b's selected pair")
            b.sendCheck(on: pending, nominating: false)
            let pendingID = try required(b.transactions.first { $0.value.destination == peer }?.key, "b's pending check")
            let username = "\(b.localUfrag):\(a.localUfrag)"
            let forged: [(TransportAddress, [UInt8])] = [
                // Role conflict that would flip b to controlling, with USE-CANDIDATE, wrong key.
                (peer, ICEWire.bindingRequest(id: ICEWire.newTransactionID(rng: &rng), username: username,
                                              password: "not-the-password-at-all", priority: 1,
                                              role: .controlled, tieBreaker: 0, useCandidate: true)),
                (stranger, ICEWire.bindingRequest(id: ICEWire.newTransactionID(rng: &rng), username: username,
                                                  password: "not-the-password-at-all", priority: 9,
                                                  role: .controlling, tieBreaker: .max, useCandidate: true)),
                // 487 and success for b's pending check, wrong key.
                (peer, ICEWire.errorResponse(id: pendingID, code: 487, reason: "Role Conflict", password: "wrong-pw")),
                (peer, ICEWire.bindingSuccess(id: pendingID, mapped: stranger, password: "wrong-pw")),
                // Answers to nothing; truncated STUN; data from an address that never checked.
                (peer, ICEWire.bindingSuccess(id: ICEWire.newTransactionID(rng: &rng), mapped: stranger,
                                              password: a.localPassword)),
                (peer, [0, 1, 0, 8, 0x21, 0x12, 0xa4, 0x42, 1, 2]),
                (stranger, [23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0]),
            ]
            for (from, bytes) in forged { b.handleDatagram(bytes, from: from, base: base) }
            let after = (b.role, b.state, b.selectedPair.map(ObjectIdentifier.init), b.remoteCandidates.count,
                         b.lastConsent, b.droppedUnauthenticated)
            var changed: [String] = []
            if after.0 != before.0 { changed.append("role") }
            if after.1 != before.1 { changed.append("state") }
            if after.2 != before.2 { changed.append("selected pair") }
            if after.3 != before.3 { changed.append("remote candidates") }
            if after.4 != before.4 { changed.append("consent") }
            if b.transactions[pendingID] == nil { changed.append("pending check settled") }
            return (changed.isEmpty ? nil : changed.joined(separator: ", "), after.5 - before.5)
        }
        #expect(verdict == nil, "forged STUN changed \(verdict ?? "")")
        #expect(dropped == 7)
        #expect(try h.sync { peerChecks } == 0)
        try h.sync { a.close(); b.close() }
    }

    /// A check from the controlling peer makes the controlled agent check the pair again at
    /// once when its own check is still in progress (RFC 8445 §7.3.1.4: the peer dropped it, not
    /// knowing our credentials yet) and when the pair is valid but not yet nominated. pion's
    /// controlling agent nominates only when a check of ours reaches a pair it has validated,
    /// otherwise on its 200 ms tick (pion offering to `rtc answer` took 210 ms instead of 15).
    @Test(arguments: [false, true])
    func peerCheckTriggersNewCheckUntilNominated(answerFirst: Bool) throws {
        let h = Harness()
        let peerUfrag = "peerufrg", peerPassword = "peer-password-0123456789"
        var requests: [STUNTransactionID] = []
        var responses: [STUNTransactionID] = []
        let ours = STUNTransactionID.random()
        let (agent, peer) = try h.sync { () -> (ICEAgent, UDPSocket) in
            let agent = ICEAgent(loop: h.loop, role: .controlled, configuration: .init(hostAddresses: Self.loopback))
            try agent.gather()
            // The peer: a bare socket that answers the agent's first check only if answerFirst.
            let peer = try UDPSocket(loop: h.loop, bindTo: Self.loopback[0])
            peer.onDatagram = { [weak peer] bytes, from in
                guard let m = ICEWire.decode(bytes) else { return }
                if m.isRequest {
                    if answerFirst && requests.isEmpty {
                        _ = peer?.send(ICEWire.bindingSuccess(id: m.transactionID, mapped: from, password: peerPassword),
                                       to: from)
                    }
                    requests.append(m.transactionID)
                }
                if m.isResponse { responses.append(m.transactionID) }
            }
            agent.setRemoteCredentials(ufrag: peerUfrag, password: peerPassword)
            agent.addRemoteCandidate(ICECandidate(foundation: "1", priority: 2_130_706_431,
                                                  address: peer.localAddress, kind: .host))
            agent.remoteEndOfCandidates()
            agent.start()
            return (agent, peer)
        }
        #expect(h.wait(until: { !requests.isEmpty && (!answerFirst || agent.state == .connected) },
                       timeout: .seconds(2)))
        let first = try #require(try h.sync { requests.first })
        #expect(try h.sync { agent.selectedPair } == nil)
        try h.sync {
            let packet = ICEWire.bindingRequest(
                id: ours, username: "\(agent.localUfrag):\(peerUfrag)", password: agent.localPassword,
                priority: 1_853_824_767, role: .controlling, tieBreaker: .max, useCandidate: false)
            _ = peer.send(packet, to: agent.localCandidates[0].address)
        }
        // A retransmission of the first check keeps its transaction ID; a new check has another.
        #expect(h.wait(until: { responses.contains(ours) && requests.contains { $0 != first } },
                       timeout: .seconds(2)))
        try h.sync { agent.close(); peer.close() }
    }

    @Test func candidateLineFormat() {
        let c = ICECandidate(foundation: "1", priority: ICECandidate.priority(kind: .host, localPreference: 65535),
                             address: TransportAddress(host: "127.0.0.1", port: 5000)!, kind: .host)
        #expect(c.description == "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host")
    }

    @Test func pairPriorityFollowsRFC8445() throws {
        // RFC 8445 §6.1.2.3 with G=10, D=5: 2^32*5 + 2*10 + 1.
        let h = Harness()
        let pair = try? h.sync { () -> ICECandidatePair in
            let s = try UDPSocket(loop: h.loop, bindTo: Self.loopback[0])
            let local = ICECandidate(foundation: "1", priority: 10, address: s.localAddress, kind: .host)
            let remote = ICECandidate(foundation: "2", priority: 5, address: s.localAddress, kind: .host)
            return ICECandidatePair(local: local, socket: s, remote: remote)
        }
        // Compared unwrapped: #expect on a UInt64? against a literal reads 9 bytes from an 8-byte
        // stack slot in the compiler's AnyHashable thunk (ASan stack-buffer-overflow, Swift 6.3).
        let p = try #require(pair)
        #expect(p.priority(role: .controlling) == (5 << 32) + 21)
        #expect(p.priority(role: .controlled) == (5 << 32) + 20)
    }
}
