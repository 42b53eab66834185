#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// The real event loop: one thread running `poll(2)` over registered sockets, a wake-up pipe
/// for cross-thread `execute`, and a timer heap.
// @unchecked Sendable is safe: `pending` and `wakePending` are guarded by `lock`, the thread id is
// atomic, and the rest (timers, watchers, poll set, stop flag) is touched only on the loop thread
// (or before `start`), which `assertLoopOwner` checks in debug builds.
public final class PollEventLoop: EventLoop, @unchecked Sendable {
    private let lock = Lock()
    private var pending: [() -> Void] = []
    private var timers = TimerHeap()
    private var watchers: [Int32: () -> Void] = [:]
    private var pollSet: [pollfd] = []
    private var pollSetDirty = true
    private var wakeRead: Int32 = -1
    private var wakeWrite: Int32 = -1
    private var wakePending = false
    private var stopRequested = false
    /// The thread running `run()` (0: none). Atomic: `inEventLoop` reads it from any thread
    /// while `run()` sets it (TSan reported the plain variable).
    private let loopThreadID = Atomic<UInt>(0)
    private var startedOnThread = false

    public init() {
        var fds: [Int32] = [0, 0]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe() failed: \(errno)")
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    public var now: LoopInstant { Self.monotonicNow() }

    public static func monotonicNow() -> LoopInstant {
        LoopInstant(nanoseconds: monotonicNanoseconds())
    }

    public var inEventLoop: Bool {
        let id = loopThreadID.load(ordering: .acquiring)
        return id != 0 && pthread_equal(pthread_t(id), pthread_self()) != 0
    }

    public func execute(_ task: @escaping @Sendable () -> Void) {
        append(task)
    }

    public func enqueue(_ task: @escaping () -> Void) {
        assertLoopOwner()
        append(task)
    }

    /// Loop-only state may be set up from the thread that builds the stack before the loop runs
    /// (or after it stopped); once it runs, only its own thread may touch it.
    @inline(__always)
    private func assertLoopOwner(file: StaticString = #fileID, line: UInt = #line) {
        assert(loopThreadID.load(ordering: .relaxed) == 0 || inEventLoop,
               "loop-only PollEventLoop call off the loop thread", file: file, line: line)
    }

    private func append(_ task: @escaping () -> Void) {
        // From the loop itself no wake-up is needed: pending tasks make the next poll return at once.
        let onLoop = inEventLoop
        lock.lock()
        pending.append(task)
        let needWake = !wakePending && !onLoop
        if needWake { wakePending = true }
        lock.unlock()
        if needWake {
            var one: UInt8 = 1
            _ = write(wakeWrite, &one, 1)
        }
    }

    @discardableResult
    public func schedule(at deadline: LoopInstant, _ task: @escaping () -> Void) -> ScheduledTask {
        assertLoopOwner()
        return timers.push(deadline: deadline, task: task)
    }

    public func register(fd: Int32, onReadable: @escaping () -> Void) {
        assertLoopOwner()
        watchers[fd] = onReadable
        pollSetDirty = true
    }

    public func unregister(fd: Int32) {
        assertLoopOwner()
        watchers[fd] = nil
        pollSetDirty = true
    }

    /// Signalled when the thread of `start()` has returned from `run()`.
    private let threadExited = DispatchSemaphore(value: 0)

    /// Starts the loop on a new thread.
    public func start(name: String = "rtc-loop") {
        startedOnThread = true
        startThread(name: name, stackSize: 4 << 20) { [self] in
            self.run()
            self.threadExited.signal()
        }
    }

    /// Asks the loop to return from `run()` after the current iteration.
    public func stop() {
        execute { [self] in self.stopRequested = true }
    }

    /// Runs `last` on the loop, stops it and waits (up to `timeout`) until the thread of
    /// `start()` is out of `run()`. Call before the process exits, so that no loop work races
    /// with exit-time cleanup (OpenSSL's atexit handlers free what the loop may be using).
    /// - Returns: false if the loop did not stop in time.
    @discardableResult
    public func stopAndWait(timeout: Double = 2, _ last: @escaping @Sendable () -> Void = {}) -> Bool {
        precondition(!inEventLoop, "stopAndWait() from the loop thread would wait forever")
        guard startedOnThread else { return true }
        execute { [self] in
            last()
            self.stopRequested = true
        }
        return threadExited.wait(timeout: .now() + timeout) == .success
    }

    /// Runs the loop on the calling thread until `stop()`.
    public func run() {
        loopThreadID.store(UInt(pthread_self()), ordering: .releasing)
        stopRequested = false
        while !stopRequested {
            runPendingTasks()
            runDueTimers()
            if stopRequested { break }
            waitForEvents()
        }
        // Stopped: the thread that owns the stack may tear it down (assertLoopOwner).
        loopThreadID.store(0, ordering: .releasing)
    }

    private func runPendingTasks() {
        lock.lock()
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        lock.unlock()
        for task in batch { task() }
    }

    private func runDueTimers() {
        let t = now
        while let due = timers.popDue(now: t) {
            if let task = due.task {
                due.cancel()
                task()
            }
        }
    }

    private func waitForEvents() {
        if pollSetDirty {
            pollSet = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            for fd in watchers.keys { pollSet.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            pollSetDirty = false
        }
        var timeoutMs: Int32 = 1000
        lock.lock()
        let hasPending = !pending.isEmpty
        lock.unlock()
        if hasPending {
            timeoutMs = 0
        } else {
            timers.pruneCancelled()
            if let next = timers.earliest {
                let d = next.since(now).nanoseconds
                timeoutMs = Int32(min(1000, (d + 999_999) / 1_000_000))
            }
        }
        for i in pollSet.indices { pollSet[i].revents = 0 }
        let n = poll(&pollSet, nfds_t(pollSet.count), timeoutMs)
        guard n > 0 else { return }
        for entry in pollSet where entry.revents != 0 {
            if entry.fd == wakeRead {
                var buf = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &buf, buf.count) > 0 {}
                lock.lock()
                wakePending = false
                lock.unlock()
            } else if let handler = watchers[entry.fd] {
                handler()
            }
        }
    }
}
