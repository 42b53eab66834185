import RTCCore
#if canImport(Glibc)
import Glibc
#endif
import CUsrsctp

/// Drives usrsctp's timers from an event loop (`usrsctp_handle_timers`, no usrsctp timer thread).
///
/// One driver per loop, shared by the associations on it: a periodic loop timer hands usrsctp
/// the elapsed milliseconds, then lets each association drain what the timers produced.
///
/// usrsctp has one clock for the whole process. Real loops (`PollEventLoop`) share one
/// wall-clock reference, so several real loops never advance it faster than real time.
/// A virtual-clock loop (`isVirtualClock`, tests' `ManualEventLoop`) feeds its own time, which
/// makes a test deterministic as long as it is the only one driving usrsctp (the SCTP test
/// suites are serialized for that reason).
final class SCTPTimerDriver {
    /// Tick period; bounds timer precision (delayed SACK 20 ms, RTO ≥ 200 ms).
    static let interval: Duration = .milliseconds(10)

    private static let registryLock = Lock()
    // Safe: read and written only while holding `registryLock`.
    nonisolated(unsafe) private static var drivers: [ObjectIdentifier: SCTPTimerDriver] = [:]
    /// Serializes usrsctp_handle_timers and holds the shared real-time reference.
    private static let timersLock = Lock()
    // Safe: read and written only while holding `timersLock`.
    nonisolated(unsafe) private static var realLast: LoopInstant?

    private weak var loop: EventLoop?
    private let key: ObjectIdentifier
    private let isVirtual: Bool
    /// Guarded by `registryLock`.
    private var users: [ObjectIdentifier: () -> Void] = [:]
    private var task: ScheduledTask?
    private var virtualLast: LoopInstant

    private init(loop: EventLoop) {
        self.loop = loop
        key = ObjectIdentifier(loop)
        isVirtual = loop.isVirtualClock
        virtualLast = loop.now
    }

    /// Adds `drain` (an association) to the driver of `loop`; call on the loop.
    static func attach(loop: EventLoop, id: ObjectIdentifier, drain: @escaping () -> Void) {
        registryLock.lock()
        let d: SCTPTimerDriver
        if let existing = drivers[ObjectIdentifier(loop)], existing.loop === loop {
            d = existing
        } else {
            d = SCTPTimerDriver(loop: loop)
            drivers[ObjectIdentifier(loop)] = d
        }
        d.users[id] = drain
        let needsStart = d.task == nil
        registryLock.unlock()
        if needsStart { d.scheduleNext() }
    }

    /// Removes an association; the driver stops ticking when none is left. Call on the loop.
    static func detach(loop: EventLoop, id: ObjectIdentifier) {
        registryLock.lock()
        guard let d = drivers[ObjectIdentifier(loop)] else {
            registryLock.unlock()
            return
        }
        d.users[id] = nil
        if d.users.isEmpty {
            drivers[ObjectIdentifier(loop)] = nil
            d.task?.cancel()
            d.task = nil
        }
        registryLock.unlock()
    }

    private func scheduleNext() {
        guard let loop else { return }
        task = loop.schedule(in: Self.interval) { [weak self] in self?.tick() }
    }

    private func tick() {
        guard let loop else { return }
        let elapsed: UInt32
        Self.timersLock.lock()
        if isVirtual {
            elapsed = Self.wholeMilliseconds(from: &virtualLast, to: loop.now)
        } else {
            let now = PollEventLoop.monotonicNow()
            var last = Self.realLast ?? now
            elapsed = Self.wholeMilliseconds(from: &last, to: now)
            Self.realLast = last
        }
        if elapsed > 0 { usrsctp_handle_timers(elapsed) }
        Self.timersLock.unlock()
        Self.registryLock.lock()
        let drains = Array(users.values)
        Self.registryLock.unlock()
        for drain in drains { drain() }
        Self.registryLock.lock()
        let more = !users.isEmpty
        Self.registryLock.unlock()
        if more { scheduleNext() } else { task = nil }
    }

    /// Whole milliseconds from `last` to `now`; moves `last` forward by exactly that much.
    private static func wholeMilliseconds(from last: inout LoopInstant, to now: LoopInstant) -> UInt32 {
        let ms = now.since(last).nanoseconds / 1_000_000
        guard ms > 0 else { return 0 }
        let clamped = min(ms, Int64(UInt32.max / 2))
        last = last + .milliseconds(clamped)
        return UInt32(clamped)
    }
}
