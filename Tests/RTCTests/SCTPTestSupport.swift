import Testing
@testable import RTC

/// usrsctp is one instance per process and its timers run on one clock, which every test loop
/// advances. The suites that run associations are nested here so they run one at a time and each
/// ManualEventLoop test is deterministic.
@Suite(.serialized) enum USRSCTPSuites {}

/// Two associations connected over a MemoryLink on a ManualEventLoop.
final class SCTPPair {
    let loop = ManualEventLoop()
    let link: MemoryLink
    let a: SCTPAssociation
    let b: SCTPAssociation
    var receivedByA: [SCTPMessage] = []
    var receivedByB: [SCTPMessage] = []

    init(configA: SCTPConfiguration = SCTPConfiguration(), configB: SCTPConfiguration = SCTPConfiguration(),
         seed: UInt64 = 1) {
        link = MemoryLink(loop: loop, seed: seed)
        a = SCTPAssociation(loop: loop, lower: link.a, config: configA)
        b = SCTPAssociation(loop: loop, lower: link.b, config: configB)
        a.onMessage = { [unowned self] in self.receivedByA.append($0) }
        b.onMessage = { [unowned self] in self.receivedByB.append($0) }
    }

    /// Starts both ends (as WebRTC does) and waits, in virtual time, for both to connect.
    func connect(limit: Duration = .seconds(30)) throws -> Bool {
        try a.start()
        try b.start()
        link.a.flushHeld()
        link.b.flushHeld()
        return loop.advance(until: { self.a.state == .connected && self.b.state == .connected }, limit: limit)
    }

    func advance(until condition: () -> Bool, limit: Duration = .seconds(60)) -> Bool {
        loop.advance(until: condition, step: .milliseconds(10), limit: limit)
    }

    /// Aborts whatever is still open so no association outlives its test.
    func tearDown() {
        a.abort()
        b.abort()
        loop.run()
    }

    deinit { tearDown() }
}

/// Deterministic payload bytes.
func testPayload(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}
