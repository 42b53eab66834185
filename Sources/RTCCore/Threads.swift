#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CRTCSocket

// Locks, a condition variable and thread start over pthreads: the few primitives the stack
// needs, without Foundation (whose runtime costs more resident memory than the stack itself).

/// A mutual-exclusion lock (a pthread mutex).
// @unchecked Sendable is safe: the only state is the mutex, which pthreads make thread-safe.
public final class Lock: @unchecked Sendable {
    fileprivate let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// A lock with a condition variable, for threads that wait for state another thread changes.
/// Deadlines are monotonic (`Deadline`), so clock changes do not stretch a wait.
// @unchecked Sendable is safe: the state is a pthread mutex and condition variable, thread-safe by design.
public final class Condition: @unchecked Sendable {
    private let mutex = Lock()
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(cond, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    public func lock() { mutex.lock() }
    public func unlock() { mutex.unlock() }

    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        try mutex.withLock(body)
    }

    /// Waits for a signal; call with the lock held.
    public func wait() { pthread_cond_wait(cond, mutex.mutex) }

    /// Waits for a signal until `deadline`; call with the lock held.
    /// - Returns: false when the deadline passed.
    @discardableResult
    public func wait(until deadline: Deadline) -> Bool {
        var spec = deadline.posixTime
        return pthread_cond_timedwait(cond, mutex.mutex, &spec) != ETIMEDOUT
    }

    public func signal() { pthread_cond_signal(cond) }
    public func broadcast() { pthread_cond_broadcast(cond) }
}

/// A point on the monotonic clock.
public struct Deadline: Comparable, Sendable {
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static var now: Deadline { Deadline(nanoseconds: monotonicNanoseconds()) }

    /// `seconds` from now.
    public static func after(_ seconds: Double) -> Deadline {
        Deadline(nanoseconds: monotonicNanoseconds() &+ UInt64(max(0, seconds) * 1e9))
    }

    public var hasPassed: Bool { monotonicNanoseconds() >= nanoseconds }

    /// Seconds left, 0 once passed.
    public var secondsLeft: Double {
        let now = monotonicNanoseconds()
        return nanoseconds > now ? Double(nanoseconds - now) / 1e9 : 0
    }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }

    fileprivate var posixTime: timespec {
        timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}

/// Nanoseconds on CLOCK_MONOTONIC.
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Starts `body` on a new detached thread.
/// - Parameters:
///   - name: shown by `top -H` and debuggers (truncated to 15 bytes by Linux).
///   - stackSize: bytes; 0 keeps the default. Only touched pages become resident.
public func startThread(name: String, stackSize: Int = 0, _ body: @escaping @Sendable () -> Void) {
    final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) { self.name = name; self.body = body }
    }
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    if stackSize > 0 { pthread_attr_setstacksize(&attributes, stackSize) }
    let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, &attributes, { raw in
        let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
        rtc_set_thread_name(start.name)
        start.body()
        return nil
    }, start)
    precondition(rc == 0, "pthread_create failed: \(rc)")
}
