import RTC
#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Writes lines to stdout from any thread. A closed pipe (`| head -1`) is not an error: the
/// first failed write calls `onClosed` once, and later writes are dropped.
final class StdoutWriter: @unchecked Sendable {
    private let lock = Lock()
    private var closed = false
    var onClosed: (() -> Void)?

    init() {
        signal(SIGPIPE, SIG_IGN)
    }

    func writeLine(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        write(bytes)
    }

    func write(_ bytes: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed, !writeAll(1, bytes) else { return }
        closed = true
        let callback = onClosed
        DispatchQueue.global().async { callback?() }
    }
}

/// Reads stdin line by line on its own thread (reads block; the stack's loop must not).
enum StdinLines {
    /// Longest stdin line accepted, in bytes (`--max-line`); longer input ends the command with exit 65.
    nonisolated(unsafe) static var maxLine = LineReader.defaultMaxLine

    /// Calls `body` with each line (without its newline) and then `nil` at EOF, on a new thread.
    /// A line over `maxLine` bytes or not valid UTF-8 stops reading and calls `onError` with a
    /// one-line reason instead; by default that prints it and exits 65.
    static func start(onError: @escaping @Sendable (String) -> Void = { CLIError(.dataError, $0).exit() },
                      _ body: @escaping @Sendable (String?) -> Void) {
        let limit = maxLine
        startThread(name: "rtc-stdin") {
            var reader = LineReader(fd: 0, maxLine: limit)
            while true {
                switch reader.next() {
                case let .line(line):
                    body(line)
                case .end, .readError:
                    // A closed or unreadable stdin ends input, as EOF does (readLine's behaviour).
                    body(nil)
                    return
                case let .tooLong(n):
                    return onError("stdin line \(n) is longer than the limit of \(limit) bytes (--max-line)")
                case let .invalidUTF8(n):
                    return onError("stdin line \(n) is not valid UTF-8")
                }
            }
        }
    }
}
