import Testing
@testable import RTCCore
@testable import RTCVirtualNetwork
@testable import RTCICE

/// When the controlling agent nominates (RFC 8445 §8.1.1): an indirect pair that is valid first
/// must not win over a direct pair still being checked. On the virtual network and the manual
/// clock: the peer has two addresses, one signaled as host, the other as server-reflexive, and
/// the host one sits behind a slower (or dead) link.
@Suite struct ICENominationTests {
    /// Binds each of the peer's addresses on its own virtual host, so each has its own link.
    final class TwoHosts: DatagramSocketFactory, @unchecked Sendable {
        let first: VirtualHost, second: VirtualHost
        init(_ first: VirtualHost, _ second: VirtualHost) { self.first = first; self.second = second }
        func makeSocket(loop: EventLoop, bindTo address: TransportAddress) throws -> DatagramSocket {
            try (first.addresses.contains { $0.ip == address.ip } ? first : second).makeSocket(loop: loop, bindTo: address)
        }
    }

    final class Setup {
        let loop = ManualEventLoop()
        let net: VirtualNetwork  // its hosts hold it unowned
        let a: ICEAgent, b: ICEAgent
        /// The remote candidates `a` was given: the direct one and the reflexive-typed one.
        let host: ICECandidate, reflexive: ICECandidate

        init(directLink: VirtualLink, directKind: ICECandidate.Kind = .host,
             configure: (inout ICEAgent.Configuration) -> Void = { _ in }) throws {
            net = VirtualNetwork(loop: loop)
            let hostA = net.internet.addHost([198, 51, 100, 1])
            let direct = net.internet.addHost([198, 51, 100, 2], link: directLink)
            let other = net.internet.addHost([198, 51, 100, 3])
            var configA = ICEAgent.Configuration(hostAddresses: hostA.addresses)
            configA.socketFactory = hostA
            configure(&configA)
            var configB = ICEAgent.Configuration(hostAddresses: direct.addresses + other.addresses)
            configB.socketFactory = TwoHosts(direct, other)
            a = ICEAgent(loop: loop, role: .controlling, configuration: configA)
            b = ICEAgent(loop: loop, role: .controlled, configuration: configB)
            try a.gather()
            try b.gather()
            let first = try #require(b.localCandidates.first { $0.address.ip == [198, 51, 100, 2] })
            host = directKind == .host ? first : ICECandidate(
                foundation: "srflx2", priority: ICECandidate.priority(kind: directKind, localPreference: 65535) + 1,
                address: first.address, kind: directKind, relatedAddress: first.address)
            let second = try #require(b.localCandidates.first { $0.address.ip == [198, 51, 100, 3] })
            reflexive = ICECandidate(foundation: "srflx1", priority: ICECandidate.priority(kind: .srflx, localPreference: 65535),
                                     address: second.address, kind: .srflx, relatedAddress: second.address)
            a.setRemoteCredentials(ufrag: b.localUfrag, password: b.localPassword)
            b.setRemoteCredentials(ufrag: a.localUfrag, password: a.localPassword)
            a.addRemoteCandidate(host)
            a.addRemoteCandidate(reflexive)
            for c in a.localCandidates { b.addRemoteCandidate(c) }
            a.remoteEndOfCandidates()
            b.remoteEndOfCandidates()
            a.start()
            b.start()
        }

        deinit {
            a.close()
            b.close()
        }

        /// Advances until `a` has a valid pair; returns when that was.
        func firstValid() -> LoopInstant? {
            loop.advance(until: { self.a.pairs.contains { $0.state == .succeeded } }, step: .milliseconds(1),
                         limit: .seconds(5)) ? loop.now : nil
        }

        /// Runs the checks to completion on both sides: the remote address `a` selected, and how
        /// long after its first valid pair.
        func nominated() throws -> (remote: TransportAddress?, after: Duration) {
            let valid = try #require(firstValid())
            #expect(loop.advance(until: { self.a.state == .completed && self.b.state == .completed },
                                 step: .milliseconds(1), limit: .seconds(20)))
            return (a.selectedCandidates?.remote.address, loop.now.since(valid))
        }
    }

    /// The reflexive pair is valid after one 0 ms round trip; the host pair's takes 80 ms, inside
    /// the 100 ms wait: the host pair is nominated, on both sides.
    @Test func indirectPairWaitsForADirectPairStillBeingChecked() throws {
        let s = try Setup(directLink: VirtualLink(delay: .milliseconds(40)))
        #expect(s.firstValid() != nil)
        #expect(s.a.bestValidPair()?.remote.kind == .srflx)
        #expect(s.a.selectedPair == nil)
        #expect(try s.nominated().remote == s.host.address)
        #expect(s.a.selectedCandidates?.remote.kind == .host)
        #expect(s.b.selectedCandidates?.local.address == s.host.address)
    }

    /// A direct pair that never answers: the reflexive pair is nominated when the wait ends, not
    /// before, and not seconds later when the direct pair's checks give up. (The USE-CANDIDATE
    /// check's round trip is 0 ms on these links.)
    @Test func indirectPairIsNominatedWhenTheWaitEnds() throws {
        let (remote, after) = try Setup(directLink: VirtualLink(loss: 1)).nominated()
        #expect(remote?.ip == [198, 51, 100, 3])
        #expect(after >= .milliseconds(100) && after <= .milliseconds(110), "selected after \(after)")
    }

    /// Once the better pair's checks fail, there is nothing left to wait for: the reflexive pair
    /// is nominated then (50 + 100 ms), long before a 10 s wait would end.
    @Test func indirectPairIsNominatedOnceTheBetterPairFails() throws {
        let (remote, after) = try Setup(directLink: VirtualLink(loss: 1)) {
            $0.reflexiveNominationWait = .seconds(10)
            $0.checkRTO = .milliseconds(50)
            $0.checkAttempts = 2
        }.nominated()
        #expect(remote?.ip == [198, 51, 100, 3])
        #expect(after >= .milliseconds(100) && after <= .milliseconds(200), "selected after \(after)")
    }

    /// Without a slow link the host pair is valid first and nominated at once: the wait costs a
    /// direct path nothing.
    @Test func directPairIsNominatedAtOnce() throws {
        let (remote, after) = try Setup(directLink: VirtualLink()).nominated()
        #expect(remote?.ip == [198, 51, 100, 2])
        #expect(after <= .milliseconds(10))
    }

    /// A pair of higher priority that would be no more direct is not waited for: with both of
    /// the peer's addresses signaled as server-reflexive, the first valid one is nominated at
    /// once although the other is still being checked (its link is dead).
    @Test func aPendingPairNoMoreDirectIsNotWaitedFor() throws {
        let s = try Setup(directLink: VirtualLink(loss: 1), directKind: .srflx)
        #expect(s.a.pairs.first?.remote.address == s.host.address, "the dead pair ranks first")
        let (remote, after) = try s.nominated()
        #expect(remote == s.reflexive.address)
        #expect(after <= .milliseconds(10))
    }
}
