import Foundation
import RTCTestSupport
import Testing
@testable import RTCCore
@testable import RTCICE
import RTCTestSupport

/// ICE with relayed candidates (RFC 8445 + RFC 8656) through a real coturn on loopback.
@Suite(.serialized, .enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
struct ICERelayTests {
    typealias Harness = RealLoop

    static let loopback = [TransportAddress(host: "127.0.0.1", port: 0)!]

    // @unchecked Sendable is safe: `done` is written by loop callbacks and read in `wait`'s condition, on the loop.
    final class Gathered: @unchecked Sendable {
        var done: [ObjectIdentifier: Bool] = [:]
    }

    func configuration(_ coturn: Coturn?, relayOnly: Bool, password: String? = nil) -> ICEAgent.Configuration {
        var c = ICEAgent.Configuration(hostAddresses: Self.loopback)
        if let coturn {
            c.turnServers = [ICEAgent.TURNServer(
                address: TransportAddress(ipv4: 127, 0, 0, 1, port: coturn.port),
                username: coturn.user, password: password ?? coturn.password)]
        }
        c.relayOnly = relayOnly
        return c
    }

    /// Gathers on both agents, waits until both finished, then exchanges everything and starts.
    func gatherAndStart(_ h: Harness, _ a: ICEAgent, _ b: ICEAgent) throws {
        let g = Gathered()
        try h.sync {
            for agent in [a, b] {
                agent.onLocalCandidate = { c in if c == nil { g.done[ObjectIdentifier(agent)] = true } }
                try agent.gather()
            }
        }
        #expect(h.wait(until: { g.done.count == 2 }, timeout: .seconds(10)), "gathering did not finish")
        try h.sync { ICEAgentTests.introduce(a, b, endOfCandidates: true) }
    }

    /// `--relay-only` on both sides: only relayed candidates are offered, the selected pair is
    /// relay–relay, packets cross both ways (Send indications, then ChannelData once bound), and
    /// closing deallocates.
    @Test func relayOnlyAgentsConnectThroughCoturn() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let h = Harness()
        let (a, b) = try h.sync {
            (ICEAgent(loop: h.loop, role: .controlling, configuration: configuration(coturn, relayOnly: true)),
             ICEAgent(loop: h.loop, role: .controlled, configuration: configuration(coturn, relayOnly: true)))
        }
        try gatherAndStart(h, a, b)
        let (kindsA, kindsB, related, line) = try h.sync {
            (a.localCandidates.map(\.kind), b.localCandidates.map(\.kind),
             a.localCandidates.first?.relatedAddress, a.localCandidates.first?.description ?? "")
        }
        #expect(kindsA == [.relay])
        #expect(kindsB == [.relay])
        #expect(related != nil)
        #expect(line.contains(" typ relay raddr 127.0.0.1 rport "))
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .seconds(10)))
        let (selectedA, selectedB, allRelayed) = try h.sync {
            (a.selectedCandidates, b.selectedCandidates,
             a.pairs.allSatisfy { $0.base.isRelay } && b.pairs.allSatisfy { $0.base.isRelay })
        }
        #expect(selectedA?.local.kind == .relay)
        #expect(selectedA?.remote.kind == .relay)
        #expect(selectedB?.local.kind == .relay)
        // Every pair checked uses a relayed base.
        #expect(allRelayed)
        var atA: [[UInt8]] = []
        var atB: [[UInt8]] = []
        let sent = try h.sync {
            a.onReceive = { atA.append($0) }
            b.onReceive = { atB.append($0) }
            return [a.send([23, 1, 2, 3]), b.send([23, 4, 5, 6])]
        }
        #expect(sent == [true, true])
        #expect(h.wait(until: { atA == [[23, 4, 5, 6]] && atB == [[23, 1, 2, 3]] }, timeout: .seconds(3)))
        // The selected pair gets a channel: data then travels as ChannelData.
        #expect(h.wait(until: {
            guard let pa = a.selectedPair, let pb = b.selectedPair else { return false }
            return pa.base.turn?.channel(for: pa.remote.address) != nil && pb.base.turn?.channel(for: pb.remote.address) != nil
        }, timeout: .seconds(3)))
        #expect(try h.sync { [a.send([23, 7]), b.send([23, 8])] } == [true, true])
        #expect(h.wait(until: { atA.count == 2 && atB.count == 2 }, timeout: .seconds(3)))
        #expect(atA.last == [23, 8] && atB.last == [23, 7])
        let turnA = try h.sync { a.turnClients.first?.client }
        try h.sync { a.close(); b.close() }
        #expect(try h.sync { turnA?.state } == .closing || (try h.sync { turnA?.state }) == .closed)
    }

    /// A relay-only agent reaches a peer that has only a host candidate: its checks leave through
    /// the relay, and the peer learns the relayed address as peer-reflexive.
    @Test func relayOnlyAgentReachesHostOnlyPeer() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let h = Harness()
        let (a, b) = try h.sync {
            (ICEAgent(loop: h.loop, role: .controlling, configuration: configuration(coturn, relayOnly: true)),
             ICEAgent(loop: h.loop, role: .controlled, configuration: configuration(nil, relayOnly: false)))
        }
        try gatherAndStart(h, a, b)
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .seconds(10)))
        let (selectedA, selectedB, relayed) = try h.sync {
            defer { a.close(); b.close() }
            return (a.selectedCandidates, b.selectedCandidates, a.localCandidates.first?.address)
        }
        #expect(selectedA?.local.kind == .relay)
        #expect(selectedA?.remote.kind == .host)
        #expect(selectedB?.remote.address == relayed)
    }

    /// Without the relay policy, host, server-reflexive-free loopback and relayed candidates
    /// are all offered, and the direct host pair wins on priority.
    @Test func allPolicyOffersHostAndRelayAndPrefersHost() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let h = Harness()
        let (a, b) = try h.sync {
            (ICEAgent(loop: h.loop, role: .controlling, configuration: configuration(coturn, relayOnly: false)),
             ICEAgent(loop: h.loop, role: .controlled, configuration: configuration(coturn, relayOnly: false)))
        }
        try gatherAndStart(h, a, b)
        #expect(try h.sync { Set(a.localCandidates.map(\.kind)) } == [.host, .relay])
        #expect(h.wait(until: { a.state == .completed && b.state == .completed }, timeout: .seconds(10)))
        let selected = try h.sync {
            defer { a.close(); b.close() }
            return a.selectedCandidates
        }
        #expect(selected?.local.kind == .host)
        #expect(selected?.remote.kind == .host)
    }

    /// Wrong TURN credentials: the allocation fails, gathering still ends, nothing is offered.
    @Test func badCredentialsEndGatheringWithoutCandidates() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let h = Harness()
        let a = try h.sync {
            ICEAgent(loop: h.loop, role: .controlling,
                     configuration: configuration(coturn, relayOnly: true, password: "wrong"))
        }
        var ended = false
        try h.sync {
            a.onLocalCandidate = { c in if c == nil { ended = true } }
            try a.gather()
        }
        #expect(h.wait(until: { ended }, timeout: .seconds(12)))
        let offered = try h.sync {
            defer { a.close() }
            return a.localCandidates.count
        }
        #expect(offered == 0)
    }
}
