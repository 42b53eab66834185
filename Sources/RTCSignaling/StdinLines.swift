import RTC

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
