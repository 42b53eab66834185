import RTC
#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Writes lines to stdout from any thread. A closed pipe (`| head -1`) is not an error: the
/// first failed write calls `onClosed` once, and later writes are dropped.
// @unchecked Sendable: `closed` and `onClosed` are read and written only under `lock`.
public final class StdoutWriter: @unchecked Sendable {
    private let lock = Lock()
    private var closed = false
    private var closedHandler: (@Sendable () -> Void)?

    /// Ignores SIGPIPE for the process, so a closed stdout is a failed write, not a death.
    public init() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Called (on a global queue) after the first write that failed.
    public var onClosed: (@Sendable () -> Void)? {
        get { lock.withLock { closedHandler } }
        set { lock.withLock { closedHandler = newValue } }
    }

    public func writeLine(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        write(bytes)
    }

    public func write(_ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed, !writeAll(1, bytes) else { return }
        closed = true
        let callback = closedHandler
        DispatchQueue.global().async { callback?() }
    }
}
