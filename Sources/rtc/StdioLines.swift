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
    /// Calls `body` with each line (without its newline) and then `nil` at EOF, on a new thread.
    static func start(_ body: @escaping @Sendable (String?) -> Void) {
        startThread(name: "rtc-stdin") {
            while let line = readLine(strippingNewline: true) {
                body(line)
            }
            body(nil)
        }
    }
}
