/// A deterministic event loop for tests: time moves only when the test calls `advance(by:)`,
/// and queued tasks run only inside `run()` / `advance(by:)`.
// @unchecked Sendable is safe: a manual loop has no thread of its own; its owner (one test) is the
// only caller and runs every task inside its own calls, so nothing touches it concurrently.
public final class ManualEventLoop: EventLoop, @unchecked Sendable {
    public private(set) var now: LoopInstant
    private var tasks: [() -> Void] = []
    private var timers = TimerHeap()
    private var running = false

    public init(start: LoopInstant = LoopInstant(nanoseconds: 1_000_000_000)) {
        now = start
    }

    public var inEventLoop: Bool { true }
    public var isVirtualClock: Bool { true }

    /// Tests drive a manual loop from one thread (its owner), so `execute` is only `enqueue`.
    public func execute(_ task: @escaping @Sendable () -> Void) { tasks.append(task) }
    public func enqueue(_ task: @escaping () -> Void) { tasks.append(task) }

    @discardableResult
    public func schedule(at deadline: LoopInstant, _ task: @escaping () -> Void) -> ScheduledTask {
        timers.push(deadline: deadline, task: task)
    }

    public func register(fd: Int32, onReadable: @escaping () -> Void) {}
    public func unregister(fd: Int32) {}

    /// Runs queued tasks and due timers until nothing is left to do at the current time.
    /// Bounded so a feedback loop in a test fails instead of hanging.
    public func run(maxSteps: Int = 1_000_000) {
        var steps = 0
        while steps < maxSteps {
            if !tasks.isEmpty {
                let batch = tasks
                tasks.removeAll()
                for t in batch { t(); steps += 1 }
                continue
            }
            if let due = timers.popDue(now: now) {
                if let t = due.task { due.cancel(); t() }
                steps += 1
                continue
            }
            return
        }
        preconditionFailure("ManualEventLoop.run exceeded \(maxSteps) steps")
    }

    /// Moves time forward, firing each timer at its own deadline in order.
    public func advance(by duration: Duration) {
        let target = now + duration
        run()
        while true {
            timers.pruneCancelled()
            guard let next = timers.earliest, next <= target else { break }
            now = max(now, next)
            run()
        }
        now = target
        run()
    }

    /// Advances in `step`s until `condition` holds or `limit` of virtual time passes.
    @discardableResult
    public func advance(until condition: () -> Bool, step: Duration = .milliseconds(10),
                        limit: Duration = .seconds(60)) -> Bool {
        let deadline = now + limit
        run()
        while !condition() {
            if now >= deadline { return false }
            advance(by: step)
        }
        return true
    }
}
