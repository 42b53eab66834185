import Dispatch

/// A point on the event loop's monotonic clock, in nanoseconds.
public struct LoopInstant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func < (a: LoopInstant, b: LoopInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (a: LoopInstant, d: Duration) -> LoopInstant {
        let ns = d.nanoseconds
        return LoopInstant(nanoseconds: ns >= 0 ? a.nanoseconds &+ UInt64(ns) : a.nanoseconds &- UInt64(-ns))
    }

    /// Time elapsed from `earlier` to `self`, zero if `earlier` is later.
    public func since(_ earlier: LoopInstant) -> Duration {
        nanoseconds >= earlier.nanoseconds ? .nanoseconds(Int64(nanoseconds - earlier.nanoseconds)) : .zero
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), for timer arithmetic.
    public var nanoseconds: Int64 {
        let (s, atto) = components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return s < 0 ? Int64.min : Int64.max }
        return ns &+ atto / 1_000_000_000
    }

    public var milliseconds: Double { Double(nanoseconds) / 1e6 }
    public var seconds: Double { Double(nanoseconds) / 1e9 }
}

/// A timer handle; cancel it to keep its task from running.
public final class ScheduledTask {
    let deadline: LoopInstant
    let sequence: UInt64
    var task: (() -> Void)?

    init(deadline: LoopInstant, sequence: UInt64, task: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.task = task
    }

    public var isCancelled: Bool { task == nil }
    public func cancel() { task = nil }
}

/// The serial executor that owns one stack: sockets, ICE, DTLS, SCTP and channels all run on it,
/// so layers need no locks. `execute` may be called from any thread and takes a `@Sendable` task
/// (as swift-nio's); everything else only from the loop itself (debug builds check it,
/// `assertInEventLoop`): `enqueue` defers loop-owned work, and `LoopBound` carries a loop-owned
/// value across threads to the loop.
/// Tests use `ManualEventLoop` to control time.
public protocol EventLoop: AnyObject, Sendable {
    var now: LoopInstant { get }
    /// True when called on the loop's own thread (or inside a manual loop's run).
    var inEventLoop: Bool { get }
    /// True when `now` is virtual time that moves only when the loop's owner advances it, and
    /// tasks run only inside the owner's calls on its one thread (tests' `ManualEventLoop`).
    /// Layers that share process-wide state with real time (usrsctp's clock and threads) ask.
    var isVirtualClock: Bool { get }
    /// Queues `task` to run on the loop; thread-safe.
    func execute(_ task: @escaping @Sendable () -> Void)
    /// Queues `task` to run on the loop after the current task. Loop thread only: the task may use
    /// loop-owned, non-`Sendable` state.
    func enqueue(_ task: @escaping () -> Void)
    /// Runs `task` on the loop at `deadline` unless cancelled first. Loop thread only.
    @discardableResult
    func schedule(at deadline: LoopInstant, _ task: @escaping () -> Void) -> ScheduledTask
    /// Watches a file descriptor for readability. Loop thread only.
    func register(fd: Int32, onReadable: @escaping () -> Void)
    func unregister(fd: Int32)
}

extension EventLoop {
    /// Real loops run on the monotonic clock.
    public var isVirtualClock: Bool { false }

    @discardableResult
    public func schedule(in delay: Duration, _ task: @escaping () -> Void) -> ScheduledTask {
        schedule(at: now + delay, task)
    }

    /// Debug builds: stops when called off the loop thread (as swift-nio's
    /// `preconditionInEventLoop`). For loop-only entry points; free in release builds.
    @inlinable
    public func assertInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        assert(inEventLoop, "called off the event loop's thread", file: file, line: line)
    }
}

/// A loop-owned value that may travel to other threads but is touched only on its loop (as
/// swift-nio's `NIOLoopBound`): a thread that is not the loop can hold it and hand it back to
/// the loop with `execute`, never read it. Debug builds check each access.
public struct LoopBound<Value>: @unchecked Sendable {
    // Safe: `value` is read and written only on `loop`'s thread (asserted), so the non-Sendable
    // value is never accessed concurrently; other threads only copy the reference.
    private let box: Box
    public let loop: EventLoop

    private final class Box {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Wraps `value`; call on the loop.
    public init(_ value: Value, loop: EventLoop) {
        loop.assertInEventLoop()
        self.box = Box(value)
        self.loop = loop
    }

    /// The value; on the loop only.
    public var value: Value {
        get { loop.assertInEventLoop(); return box.value }
        nonmutating set { loop.assertInEventLoop(); box.value = newValue }
    }
}

/// Min-heap of timers ordered by deadline, then insertion order.
struct TimerHeap {
    private var items: [ScheduledTask] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var earliest: LoopInstant? { items.first?.deadline }

    mutating func push(deadline: LoopInstant, task: @escaping () -> Void) -> ScheduledTask {
        let t = ScheduledTask(deadline: deadline, sequence: nextSequence, task: task)
        nextSequence += 1
        items.append(t)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
        return t
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    mutating func popDue(now: LoopInstant) -> ScheduledTask? {
        guard let first = items.first, first.deadline <= now else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, Self.less(items[l], items[m]) { m = l }
                if r < items.count, Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first
    }

    /// Drops cancelled timers at the top so `earliest` is meaningful.
    mutating func pruneCancelled() {
        while let first = items.first, first.isCancelled { _ = popDue(now: first.deadline) }
    }

    private static func less(_ a: ScheduledTask, _ b: ScheduledTask) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.sequence < b.sequence)
    }
}

extension EventLoop {
    /// Runs `body` on the loop and blocks the calling thread until it returns; called on the
    /// loop itself it runs inline (waiting would deadlock). For threads outside the stack:
    /// the CLI's main thread and tests. Like `DispatchQueue.sync`, `body` need not be `@Sendable`:
    /// it runs while its caller waits, so what it captures is never used on two threads at once.
    public func runAndWait<T>(_ body: @escaping () throws -> T) throws -> T {
        if inEventLoop { return try body() }
        let done = DispatchSemaphore(value: 0)
        // Safe: the caller blocks on `done` until the loop has run `body` once, so the closure and
        // its captures are used by one thread at a time. `result` is written once on the loop
        // before `signal`, read here after `wait`.
        nonisolated(unsafe) let body = body
        nonisolated(unsafe) var result: Result<T, Error>!
        execute {
            result = Result { try body() }
            done.signal()
        }
        done.wait()
        return try result.get()
    }
}
