import Foundation
import Testing
@testable import RTC

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
            a.setRemoteCredentials(ufrag: b.localUfrag, password: b.localPassword)
            b.setRemoteCredentials(ufrag: a.localUfrag, password: controllingPassword ?? a.localPassword)
            for c in b.localCandidates { a.addRemoteCandidate(c) }
            for c in a.localCandidates { b.addRemoteCandidate(c) }
            a.remoteEndOfCandidates()
            b.remoteEndOfCandidates()
            a.start()
            b.start()
            return (a, b)
        }
    }

    @Test func agentsConnectAndCarryPackets() throws {
        let h = Harness()
        let (a, b) = try connectedPair(h)
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .milliseconds(5000)))
        var received: [[UInt8]] = []
        try h.sync {
            b.onReceive = { received.append($0) }
            #expect(a.send([23, 1, 2, 3]))
        }
        #expect(h.wait(until: { received == [[23, 1, 2, 3]] }, timeout: .milliseconds(2000)))
        try h.sync { a.close(); b.close() }
    }

    /// A valid pair stays usable while it is checked again (nomination, RFC 8445 §8.1.1): data sent
    /// between the nominating request and its response must not be dropped for want of a pair.
    @Test func validPairCarriesDataWhileRechecked() throws {
        let h = Harness()
        let (a, b) = try connectedPair(h)
        #expect(h.wait(until: { a.state == .connected || a.state == .completed }, timeout: .seconds(5)))
        var received: [[UInt8]] = []
        try h.sync {
            b.onReceive = { received.append($0) }
            let pair = try #require(a.selectedPair ?? a.bestValidPair())
            // As before nomination completes: valid, not yet selected.
            a.selectedPair = nil
            a.sendCheck(on: pair, nominating: true)
            #expect(a.send([23, 9]))
        }
        #expect(h.wait(until: { received == [[23, 9]] }, timeout: .seconds(2)))
        try h.sync { a.close(); b.close() }
    }

    /// RFC 7675: once the peer stops answering, the agent fails within the consent timeout.
    @Test func vanishedPeerFailsConsent() throws {
        let h = Harness()
        let (a, b) = try connectedPair(h, consentTimeout: .milliseconds(900))
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .seconds(5)))
        try h.sync { b.close() }
        let closedAt = Date()
        #expect(h.wait(until: { a.state == .failed }, timeout: .seconds(5)))
        #expect(Date().timeIntervalSince(closedAt) < 3)
        #expect(try h.sync { a.failureReason?.contains("consent") } == true)
        try h.sync { a.close() }
    }

    @Test func wrongPasswordNeverConnects() throws {
        let h = Harness()
        // b checks a with the wrong password: a drops those checks, and a's checks of b get
        // responses b signs with its own password, which a does verify; b never validates a.
        let (a, b) = try connectedPair(h, controllingPassword: "wrong-password-wrong-pw")
        #expect(!h.wait(until: { b.state == .completed }, timeout: .milliseconds(1500)))
        try h.sync { a.close(); b.close() }
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
