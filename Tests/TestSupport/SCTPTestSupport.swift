import Foundation
#if canImport(Testing)
import Testing
#endif
import RTCCore
import RTCSCTP
import Synchronization

/// usrsctp is one instance per process and its timers run on one clock, which every test loop
/// advances. The suites that run associations are nested here so they run one at a time and each
/// ManualEventLoop test is deterministic.
// A release `swift build` compiles this target too, without the Testing module.
#if canImport(Testing)
@Suite(.serialized) package enum USRSCTPSuites {}
#endif

/// Two associations connected over a MemoryLink, on a ManualEventLoop by default.
///
/// A real loop is needed wherever retransmissions matter: usrsctp's T3 handler only resends
/// chunks whose real (gettimeofday) send time is older than the RTO, so virtual time alone fires
/// the timer but resends nothing. Build the pair on the loop thread then (`RealLoop.sync`).
package final class SCTPPair {
    let loop: EventLoop
    package let link: MemoryLink
    package let a: SCTPAssociation
    package let b: SCTPAssociation
    package var receivedByA: [SCTPMessage] = []
    package var receivedByB: [SCTPMessage] = []

    package init(configA: SCTPConfiguration = SCTPConfiguration(), configB: SCTPConfiguration = SCTPConfiguration(),
         seed: UInt64 = 1, loop: EventLoop = ManualEventLoop()) {
        self.loop = loop
        link = MemoryLink(loop: loop, seed: seed)
        a = SCTPAssociation(loop: loop, lower: link.a, config: configA)
        b = SCTPAssociation(loop: loop, lower: link.b, config: configB)
        a.onMessage = { [unowned self] in self.receivedByA.append($0) }
        b.onMessage = { [unowned self] in self.receivedByB.append($0) }
    }

    /// Starts both ends (as WebRTC does) and waits, in virtual time, for both to connect.
    package func connect(limit: Duration = .seconds(30)) throws -> Bool {
        try a.start()
        try b.start()
        link.a.flushHeld()
        link.b.flushHeld()
        guard let manual else { return true }
        return manual.advance(until: { self.a.state == .connected && self.b.state == .connected }, limit: limit)
    }

    var manual: ManualEventLoop? { loop as? ManualEventLoop }

    package func advance(until condition: () -> Bool, limit: Duration = .seconds(60)) -> Bool {
        manual!.advance(until: condition, step: .milliseconds(10), limit: limit)
    }

    /// Aborts whatever is still open so no association outlives its test. Loop thread only.
    package func tearDown() {
        a.abort()
        b.abort()
        manual?.run()
    }

    deinit { if manual != nil { tearDown() } }
}

/// A PollEventLoop on its own thread, for tests that need real time. The test thread hands work
/// to the loop and waits for conditions with a deadline (checked on the loop, no sleeping).
package final class RealLoop: @unchecked Sendable {
    package let loop = PollEventLoop()

    package init() { loop.start(name: "rtc-test-loop") }

    /// Runs `body` on the loop and returns its result. `body` returns what it found and the test
    /// checks it outside: `#expect`/`#require` on the loop's thread have no test to record against
    /// (Swift Testing reports them as `Test «unknown»`). To unwrap inside, use `required`.
    package func sync<T>(_ body: @escaping () throws -> T) throws -> T { try loop.runAndWait(body) }

    /// Waits until `condition` (evaluated on the loop every millisecond) holds, or `timeout`.
    package func wait(until condition: @escaping () -> Bool, timeout: Duration = .seconds(30)) -> Bool {
        let done = DispatchSemaphore(value: 0)
        let stopped = StopFlag()
        // Safe: `condition` is called only on the loop thread (by `check`); this thread only waits.
        nonisolated(unsafe) let condition = condition
        let loop = loop
        loop.execute {
            func check() {
                if stopped.isSet { return }
                if condition() {
                    done.signal()
                } else {
                    loop.schedule(in: .milliseconds(1), check)
                }
            }
            check()
        }
        let r = done.wait(timeout: .now() + .nanoseconds(Int(timeout.nanoseconds)))
        stopped.set()
        return r == .success
    }

    /// Runs `cleanup` on the loop, then stops it.
    package func stop(_ cleanup: @escaping () -> Void = {}) {
        _ = try? sync(cleanup)
        loop.stop()
    }
}

/// Set by the waiting thread, read on the loop.
private final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// Deterministic payload bytes.
package func testPayload(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

/// `#require` for closures that run on a loop thread: a missing value throws an error the
/// test reports as its own once `sync` rethrows it.
package func required<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw MissingValue(what: what) }
    return value
}

package struct MissingValue: Error, CustomStringConvertible {
    package let what: String
    package var description: String { "missing: \(what)" }
}
