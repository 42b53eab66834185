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

/// Reads stdin line by line on its own thread (reads block; the stack's loop must not).
public enum StdinLines {
    /// Calls `body` with each line (without its newline) and then `nil` at EOF, on a new thread.
    /// A line over `maxLine` bytes or not valid UTF-8 stops reading and calls `onError` with a
    /// one-line reason instead.
    public static func start(maxLine: Int, onError: @escaping @Sendable (String) -> Void,
                             _ body: @escaping @Sendable (String?) -> Void) {
        startThread(name: "rtc-stdin") {
            var reader = LineReader(fd: 0, maxLine: maxLine)
            while true {
                switch reader.next() {
                case let .line(line):
                    body(line)
                case .end, .readError:
                    // A closed or unreadable stdin ends input, as EOF does (readLine's behaviour).
                    body(nil)
                    return
                case let .tooLong(n):
                    return onError("stdin line \(n) is longer than the limit of \(maxLine) bytes (--max-line)")
                case let .invalidUTF8(n):
                    return onError("stdin line \(n) is not valid UTF-8")
                }
            }
        }
    }
}

/// Waits (on the thread that runs a command) for a session's exit status.
// @unchecked Sendable: `status` is read and written only under `condition`'s lock.
public final class ExitLatch: @unchecked Sendable {
    private let condition = Condition()
    private var status: Int32?
    private let report: @Sendable (String) -> Void

    /// `report` gets the message of the status that counts (an error line).
    public init(report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.report = report
    }

    /// Records the first status (and reports its message); later calls are ignored.
    public func finish(_ s: Int32, _ message: String?) {
        condition.lock()
        defer { condition.unlock() }
        guard status == nil else { return }
        status = s
        if let message { report(message) }
        condition.broadcast()
    }

    public var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return status != nil
    }

    public func wait() -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        while status == nil { condition.wait() }
        return status!
    }
}

/// SIGINT/SIGTERM call `body` on a global queue (the default action is replaced) while this lives.
public final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []

    public init(_ body: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { body(sig) }
            source.resume()
            sources.append(source)
        }
    }
}
