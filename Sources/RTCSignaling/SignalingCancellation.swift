#if canImport(Glibc)
import Glibc
#endif
import RTC

/// Ends blocking signaling waits (connecting, an HTTP reply) early: a self-pipe that becomes
/// readable (for `poll`) and callbacks (for condition waits). The `rtc` CLI cancels it on
/// SIGINT/SIGTERM; the library installs no signal handler itself. Any thread.
// @unchecked Sendable is safe: `cancelledBy` and `observers` are used only under `lock`.
public final class SignalingCancellation: @unchecked Sendable {
    /// Readable once cancelled.
    public let fd: Int32
    private let writeFD: Int32
    private let lock = Lock()
    private var cancelledBy: Int32?
    private var observers: [@Sendable () -> Void] = []

    public init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for f in fds {
            _ = fcntl(f, F_SETFD, FD_CLOEXEC)
            _ = fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK)
        }
        fd = fds[0]
        writeFD = fds[1]
    }

    /// Cancels every wait, now and later, naming the signal that asked for it.
    public func cancel(signal: Int32) {
        let waiting: [@Sendable () -> Void] = lock.withLock {
            if cancelledBy == nil { cancelledBy = signal }
            defer { observers.removeAll() }
            return observers
        }
        var one: UInt8 = 1
        _ = write(writeFD, &one, 1)
        for o in waiting { o() }
    }

    /// The signal that cancelled, if any.
    public var signal: Int32? { lock.withLock { cancelledBy } }

    /// Runs `body` once cancelled (now, if already).
    public func observe(_ body: @escaping @Sendable () -> Void) {
        let now: Bool = lock.withLock {
            if cancelledBy != nil { return true }
            observers.append(body)
            return false
        }
        if now { body() }
    }

    /// The failure for a wait that the cancellation ended.
    func failure(_ what: String) -> SignalingFailure {
        SignalingFailure(.interrupted(signal: signal ?? SIGTERM), "interrupted while \(what)")
    }
}
