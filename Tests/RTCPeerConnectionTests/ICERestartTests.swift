import Testing
@testable import RTCCore
@testable import RTCICE
@testable import RTCVirtualNetwork
@testable import RTCDataChannel
@testable import RTCPeerConnection
import RTCTestSupport

/// ICE restart (RFC 8445 §9) between two whole peer connections on the virtual network: a NAT
/// reboot cuts the selected path, and swapping new credentials (what WHIP's PATCH carries, RFC
/// 9725 §4.4) brings the session back on a new pair with DTLS, SCTP and the channel untouched.
/// Serialized with the other suites that drive usrsctp (its clock is process-wide).
extension USRSCTPSuites {
@Suite struct ICERestartTests {
    /// The world of `VirtualPeerConnectionTests`, a channel open between A (behind a
    /// port-restricted NAT) and B (full cone), and what each side received.
    final class Session {
        let w: NATWorld
        let hostA: VirtualHost
        let pa: PeerConnection, pb: PeerConnection
        let channel: DataChannel
        var remoteChannel: DataChannel?
        var atB: [DataChannelMessage] = []
        var atA: [DataChannelMessage] = []

        init() throws {
            w = try NATWorld()
            hostA = w.client(.portRestrictedCone, index: 0)
            (pa, pb) = try USRSCTPSuites.VirtualPeerConnectionTests.negotiate(w, hostA, w.client(.fullCone, index: 1))
            channel = try pa.createDataChannel(label: "restart")
            channel.onMessage = { [unowned self] in self.atA.append($0) }
            pb.onDataChannel = { [unowned self] ch in
                self.remoteChannel = ch
                ch.onMessage = { self.atB.append($0) }
            }
            var open = false
            channel.onOpen = { open = true }
            // ICE completes up to 100 ms after the channel opened: A's valid reflexive pair waits
            // for the host pairs still being checked before it is nominated (data flows meanwhile).
            #expect(w.loop.advance(until: {
                open && self.remoteChannel != nil && self.pa.iceConnectionState == .completed && self.pb.iceConnectionState == .completed
            }, step: .milliseconds(10), limit: .seconds(30)))
        }

        /// Both sides restart and swap parameters, A first (A's offer, B's answer).
        func restart() throws {
            let a = try pa.restartICE()
            let b = try pb.restartICE()
            try pb.setRemoteICEParameters(a)
            try pa.setRemoteICEParameters(b)
        }
    }

    @Test func restartRecoversFromANATReboot() throws {
        let s = try Session()
        defer { s.pa.close(); s.pb.close() }
        let before = try #require(s.pb.selectedCandidatePair)
        try s.channel.send(text: "before")
        #expect(s.w.loop.advance(until: { s.atB.count == 1 }, step: .milliseconds(10), limit: .seconds(5)))

        // The NAT forgets A's mapping: A's packets now leave from a new port that B never
        // authenticated, and B's packets to the old port are dropped at the NAT.
        (s.hostA.router as VirtualRouter).rebootNAT()
        try s.channel.send(text: "during")
        #expect(!s.w.loop.advance(until: { s.atB.count == 2 }, step: .milliseconds(10), limit: .seconds(3)),
                "the message crossed a path the NAT reboot should have cut")

        try s.restart()
        #expect(s.pa.ice.isRestarting && s.pb.ice.isRestarting)
        // SCTP retransmits "during" once the new pair carries it; then traffic flows both ways.
        #expect(s.w.loop.advance(until: { s.atB.count == 2 }, step: .milliseconds(10), limit: .seconds(10)))
        #expect(s.atB == [.text("before"), .text("during")])
        try s.remoteChannel?.send(text: "back")
        #expect(s.w.loop.advance(until: { s.atA.count == 1 }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(s.atA == [.text("back")])
        #expect(!s.pa.ice.isRestarting && !s.pb.ice.isRestarting)
        let after = try #require(s.pb.selectedCandidatePair)
        #expect(after.remote.address != before.remote.address, "B still sends to A's old mapping \(before.remote.address)")
        #expect(s.pa.state == .connected && s.pb.state == .connected)
    }

    /// Without a path change, a restart keeps data flowing throughout: messages sent between the
    /// two halves of the exchange arrive, and the old credentials no longer open the door.
    @Test func dataFlowsWhileRestarting() throws {
        let s = try Session()
        defer { s.pa.close(); s.pb.close() }
        let oldUfrag = s.pa.ice.localUfrag
        let a = try s.pa.restartICE()
        #expect(a.ufrag != oldUfrag && a.ufrag == s.pa.ice.localUfrag)
        // Host candidates at once; the server-reflexive one is asked for again, then the end.
        #expect(!a.candidates.isEmpty && !a.endOfCandidates)
        for i in 0..<10 { try s.channel.send(text: "m\(i)") }
        #expect(s.w.loop.advance(until: { s.atB.count == 10 && s.pa.isGatheringComplete },
                                 step: .milliseconds(10), limit: .seconds(5)))
        let b = try s.pb.restartICE()
        try s.pb.setRemoteICEParameters(s.pa.localICEParameters)
        #expect(s.w.loop.advance(until: { s.pb.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(5)))
        try s.pa.setRemoteICEParameters(s.pb.localICEParameters)
        #expect(b.ufrag == s.pb.localICEParameters.ufrag)
        for i in 10..<20 { try s.channel.send(text: "m\(i)") }
        #expect(s.w.loop.advance(until: { s.atB.count == 20 && !s.pa.ice.isRestarting && !s.pb.ice.isRestarting },
                                 step: .milliseconds(10), limit: .seconds(10)))
        #expect(s.atB == (0..<20).map { .text("m\($0)") })
        #expect(s.pb.remoteICECredentials?.ufrag == a.ufrag)
    }

    /// A path that goes silent shows as ICE `disconnected` once a consent request stays
    /// unanswered for 2.5 s (long before the 30 s consent failure), and as `completed` again once
    /// it carries answers; a healthy path never shows it (consent requests every 5 s).
    @Test func silentPathShowsAsDisconnectedAndRecovers() throws {
        let s = try Session()
        defer { s.pa.close(); s.pb.close() }
        var states: [ICEConnectionState] = []
        s.pa.onICEConnectionStateChange = { states.append($0) }
        s.pb.onICEConnectionStateChange = { states.append($0) }
        s.w.loop.advance(by: .seconds(20))
        #expect(states.isEmpty, "a healthy path flapped: \(states)")
        s.pb.onICEConnectionStateChange = nil
        s.hostA.link.loss = 1
        let cutAt = s.w.loop.now
        #expect(s.w.loop.advance(until: { s.pa.iceConnectionState == .disconnected }, step: .milliseconds(50),
                                 limit: .seconds(12)))
        let noticed = s.w.loop.now.since(cutAt)
        #expect(noticed >= .milliseconds(2500) && noticed <= .seconds(9), "disconnected after \(noticed)")
        #expect(s.pa.state == .connected, "a silent path is not a failed connection")
        s.hostA.link.loss = 0
        let restoredAt = s.w.loop.now
        #expect(s.w.loop.advance(until: { s.pa.iceConnectionState == .completed }, step: .milliseconds(50),
                                 limit: .seconds(5)))
        #expect(s.w.loop.now.since(restoredAt) <= .milliseconds(1500), "consent checks run every second while silent")
        #expect(states == [.disconnected, .completed])
        try s.channel.send(text: "after")
        #expect(s.w.loop.advance(until: { s.atB.count == 1 }, step: .milliseconds(10), limit: .seconds(5)))
    }

    /// RFC 8445 §9: a restart after the NAT mapped A anew (a NAT reboot) asks the STUN server
    /// again: the new server-reflexive candidate (the new mapping) replaces the stale one, after
    /// the host candidates and before the end; B's checks reach A through it.
    @Test func restartGathersServerReflexiveCandidatesAgain() throws {
        let s = try Session()
        defer { s.pa.close(); s.pb.close() }
        let stale = try #require(s.pa.ice.localCandidates.first { $0.kind == .srflx })
        let asked = s.w.server.requests
        (s.hostA.router as VirtualRouter).rebootNAT()
        var trickled: [ICECandidateInit?] = []
        s.pa.onLocalCandidate = { trickled.append($0) }
        let a = try s.pa.restartICE()
        #expect(trickled.isEmpty, "candidates came before restartICE returned")
        #expect(a.candidates.allSatisfy { $0.candidate.contains(" typ host") } && !a.endOfCandidates)
        #expect(s.w.loop.advance(until: { s.pa.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(s.w.server.requests > asked)
        let fresh = try #require(s.pa.ice.localCandidates.first { $0.kind == .srflx })
        #expect(fresh.address != stale.address, "the server-reflexive candidate is the pre-reboot mapping")
        #expect(fresh.address.ip == stale.address.ip)
        #expect(s.pa.ice.localCandidates.filter { $0.kind == .srflx } == [fresh])
        #expect(trickled.count == 2 && trickled.last! == nil)
        #expect(trickled.first??.candidate.contains(fresh.address.host) == true)
        let complete = s.pa.localICEParameters
        #expect(complete.endOfCandidates && complete.candidates.contains { $0.candidate.contains(" typ srflx ") })

        _ = try s.pb.restartICE()
        try s.pb.setRemoteICEParameters(complete)
        try s.pa.setRemoteICEParameters(s.pb.localICEParameters)
        try s.channel.send(text: "after")
        #expect(s.w.loop.advance(until: { s.atB.count == 1 && !s.pb.ice.isRestarting },
                                 step: .milliseconds(10), limit: .seconds(10)))
        #expect(s.pb.selectedCandidatePair?.remote.address == fresh.address)
    }

    /// Servers learnt later (a WHIP 201's Link headers): with `gather` their candidates come at
    /// once, then the end again; without it they wait for the next restart, which gathers on
    /// every known server.
    @Test func serversAddedLaterAreGatheredNowOrAtTheRestart() throws {
        let w = try NATWorld()
        func make(_ host: VirtualHost) throws -> PeerConnection {
            var c = PeerConnection.Configuration()
            c.iceHosts = host.addresses
            c.socketFactory = host
            return try PeerConnection(loop: w.loop, configuration: c)
        }
        let now = try make(w.client(.portRestrictedCone, index: 0))
        defer { now.close() }
        #expect(w.loop.advance(until: { now.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(!now.ice.localCandidates.contains { $0.kind == .srflx })
        var trickled: [ICECandidateInit?] = []
        now.onLocalCandidate = { trickled.append($0) }
        #expect(now.addICEServers(stun: [w.server.primary], turn: [], gather: true))
        #expect(!now.isGatheringComplete && trickled.isEmpty)
        #expect(w.loop.advance(until: { now.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(trickled.count == 2 && trickled[0]?.candidate.contains(" typ srflx ") == true && trickled[1] == nil)
        // Known already: nothing new is asked, but the end still comes.
        #expect(now.addICEServers(stun: [w.server.primary], turn: [], gather: true))
        #expect(w.loop.advance(until: { now.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(trickled.count == 3 && trickled[2] == nil)

        let later = try make(w.client(.portRestrictedCone, index: 1))
        defer { later.close() }
        let peer = try make(w.client(.fullCone, index: 2))
        defer { peer.close() }
        #expect(w.loop.advance(until: { later.isGatheringComplete && peer.isGatheringComplete },
                                 step: .milliseconds(10), limit: .seconds(5)))
        try peer.setRemoteDescription(later.createOffer())
        try later.setRemoteDescription(peer.createAnswer())
        let asked = w.server.requests
        #expect(!later.addICEServers(stun: [w.server.primary], turn: [], gather: false))
        w.loop.advance(by: .seconds(1))
        #expect(w.server.requests == asked && !later.ice.localCandidates.contains { $0.kind == .srflx })
        _ = try later.restartICE()
        #expect(w.loop.advance(until: { later.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(5)))
        #expect(later.ice.localCandidates.contains { $0.kind == .srflx })
    }

    /// RFC 8445 §9 with TURN (RFC 8656 §8): two peers behind symmetric NATs talk through the
    /// relay. A's NAT reboots, so the server sees A from another port where it has no allocation:
    /// at the restart A's Refresh gets 437 and A allocates anew from the same socket, a new relayed
    /// candidate replacing the lost one; B's Refresh succeeds and B offers the same relay again.
    /// The channel carries on through the new allocation.
    @Test func restartAllocatesAnewWhenTheNATMovedUs() throws {
        let w = try NATWorld()
        let server = try w.addTURNServer()
        let hostA = w.client(.symmetric, index: 0)
        let (pa, pb) = try USRSCTPSuites.VirtualPeerConnectionTests.negotiate(w, hostA, w.client(.symmetric, index: 1)) { c in
            c.turnServers = [ICEAgent.TURNServer(address: server.address, username: NATWorld.turnUser,
                                                 password: NATWorld.turnPassword)]
        }
        defer { pa.close(); pb.close() }
        let channel = try pa.createDataChannel(label: "relay")
        var atB: [DataChannelMessage] = []
        pb.onDataChannel = { ch in ch.onMessage = { atB.append($0) } }
        channel.onOpen = { try? channel.send(text: "before") }
        #expect(w.loop.advance(until: { atB.count == 1 }, step: .milliseconds(10), limit: .seconds(30)))
        let staleA = try #require(pa.ice.localCandidates.first { $0.kind == .relay })
        let relayB = try #require(pb.ice.localCandidates.first { $0.kind == .relay })
        let allocations = server.counters.allocations
        let refreshes = server.counters.refreshes

        (hostA.router as VirtualRouter).rebootNAT()
        _ = try pa.restartICE()
        #expect(!pa.ice.localCandidates.contains { $0.kind == .relay })
        #expect(w.loop.advance(until: { pa.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(15)))
        _ = try pb.restartICE()
        try pb.setRemoteICEParameters(pa.localICEParameters)
        #expect(w.loop.advance(until: { pb.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(15)))
        try pa.setRemoteICEParameters(pb.localICEParameters)

        let freshA = try #require(pa.ice.localCandidates.first { $0.kind == .relay })
        #expect(freshA.address != staleA.address)
        #expect(pa.ice.localCandidates.filter { $0.kind == .relay } == [freshA])
        #expect(pb.ice.localCandidates.filter { $0.kind == .relay } == [relayB])
        #expect(server.counters.allocations == allocations + 1, "A allocates anew; B keeps its allocation")
        #expect(server.counters.refreshes >= refreshes + 1)
        try channel.send(text: "after")
        #expect(w.loop.advance(until: { atB.count == 2 && !pa.ice.isRestarting && !pb.ice.isRestarting },
                               step: .milliseconds(10), limit: .seconds(30)),
                "states \(pa.state) \(pb.state), ice \(pa.ice.state) \(pb.ice.state)")
        #expect(atB == [.text("before"), .text("after")])
        let pair = try #require(pa.selectedCandidatePair)
        #expect(pair.local.address == freshA.address || pair.remote.address == relayB.address, "\(pair)")
    }

    /// RFC 9725 §4.6 with expiring TURN credentials: a WHIP endpoint names the TURN server we
    /// already allocated on with new credentials (its 201 or a restart's 200). The old allocation
    /// is released and one made with the new credentials: at once with `gather` (trickle), else
    /// at the next restart. Once the old credentials expire, the allocation still refreshes
    /// (kept with the old ones, its refresh would fail and the relay be lost).
    @Test(arguments: [true, false])
    func newTURNCredentialsReplaceTheAllocation(gather: Bool) throws {
        let w = try NATWorld()
        let server = try w.addTURNServer()
        server.configuration.users["bob"] = "builder"
        func make(_ host: VirtualHost, turn: [ICEAgent.TURNServer]) throws -> PeerConnection {
            var c = PeerConnection.Configuration()
            c.iceHosts = host.addresses
            c.socketFactory = host
            c.turnServers = turn
            return try PeerConnection(loop: w.loop, configuration: c)
        }
        let old = ICEAgent.TURNServer(address: server.address, username: NATWorld.turnUser, password: NATWorld.turnPassword)
        let new = ICEAgent.TURNServer(address: server.address, username: "bob", password: "builder")
        let pc = try make(w.client(.portRestrictedCone, index: 0), turn: [old])
        defer { pc.close() }
        let peer = try make(w.client(.fullCone, index: 1), turn: [])
        defer { peer.close() }
        #expect(w.loop.advance(until: { pc.isGatheringComplete && peer.isGatheringComplete },
                               step: .milliseconds(10), limit: .seconds(15)))
        let stale = try #require(pc.ice.localCandidates.first { $0.kind == .relay })
        #expect(server.allocationUsernames == [NATWorld.turnUser])
        try peer.setRemoteDescription(pc.createOffer())
        try pc.setRemoteDescription(peer.createAnswer())

        var trickled: [ICECandidateInit?] = []
        pc.onLocalCandidate = { trickled.append($0) }
        let gathering = pc.addICEServers(stun: [], turn: [new], gather: gather)
        #expect(gathering == gather)
        if gather {
            #expect(w.loop.advance(until: { pc.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(15)))
        } else {
            w.loop.advance(by: .seconds(1))
            #expect(server.allocationUsernames == [NATWorld.turnUser], "nothing changes before the restart")
            #expect(pc.ice.localCandidates.contains(stale))
            _ = try pc.restartICE()
            #expect(w.loop.advance(until: { pc.isGatheringComplete }, step: .milliseconds(10), limit: .seconds(15)))
        }
        let fresh = try #require(pc.ice.localCandidates.first { $0.kind == .relay }, "\(pc.ice.localCandidates)")
        #expect(pc.ice.localCandidates.filter { $0.kind == .relay } == [fresh])
        #expect(!pc.ice.localCandidates.contains(stale))
        #expect(server.allocationUsernames == ["bob"], "the old allocation released, a new one with the new credentials")
        #expect(trickled.contains { $0?.candidate == fresh.description } && trickled.last == .some(nil))
        #expect(pc.ice.configuration.turnServers == [new])

        // The old credentials expire; the allocation lives on, refreshed with the new ones.
        server.configuration.users[NATWorld.turnUser] = nil
        let refreshes = server.counters.refreshes
        w.loop.advance(by: .seconds(700))
        #expect(server.counters.refreshes > refreshes)
        #expect(server.allocationUsernames == ["bob"])
        #expect(pc.ice.localCandidates.contains(fresh))
    }

    @Test func restartNeedsADescriptionAndValidCredentials() throws {
        let w = try NATWorld()
        var c = PeerConnection.Configuration()
        let host = w.client(.openInternet)
        c.iceHosts = host.addresses
        c.socketFactory = host
        let pc = try PeerConnection(loop: w.loop, configuration: c)
        defer { pc.close() }
        #expect(throws: PeerConnectionError.self) { try pc.restartICE() }
        let s = try Session()
        defer { s.pa.close(); s.pb.close() }
        // Parameters before a restart, or with credentials out of RFC 8839's range, are refused.
        #expect(throws: PeerConnectionError.self) {
            try s.pa.setRemoteICEParameters(.init(ufrag: "abcd", password: String(repeating: "p", count: 22)))
        }
        _ = try s.pa.restartICE()
        #expect(throws: PeerConnectionError.self) {
            try s.pa.setRemoteICEParameters(.init(ufrag: "abc", password: String(repeating: "p", count: 22)))
        }
        s.pa.close()
        #expect(throws: PeerConnectionError.self) { try s.pa.restartICE() }
    }
}
}
