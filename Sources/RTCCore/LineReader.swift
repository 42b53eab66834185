#if canImport(Glibc)
import Glibc
#endif

/// Reads newline-terminated lines from a file descriptor with a cap on line length, so an
/// endless line (`< /dev/zero`) costs at most the cap in memory instead of growing without end.
///
/// Lines end at LF; a CR before it is dropped too. A line must be valid UTF-8: the text goes to
/// JSON parsers and text messages, which would otherwise get U+FFFD in place of bad bytes.
public struct LineReader {
    /// Default cap on one line: 1 MiB, far above any session description or message line.
    public static let defaultMaxLine = 1 << 20

    /// What one `next()` found.
    public enum Item: Equatable {
        case line(String)
        /// End of file (a last line without newline was returned before).
        case end
        /// A line grew past `maxLine` bytes without a newline; reading stops.
        case tooLong(lineNumber: Int)
        /// A line is not valid UTF-8.
        case invalidUTF8(lineNumber: Int)
        /// `read` failed with this errno.
        case readError(Int32)
    }

    private let fd: Int32
    public let maxLine: Int
    private var buffer: [UInt8] = []
    /// Where the current line starts in `buffer` (consumed lines stay until the next compaction).
    private var start = 0
    /// Bytes of `buffer` already searched for a newline.
    private var scanned = 0
    private var atEnd = false
    private var lineNumber = 0
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    public init(fd: Int32, maxLine: Int = LineReader.defaultMaxLine) {
        self.fd = fd
        self.maxLine = maxLine
    }

    /// The next line, or why there is none; after `.end`, `.tooLong` or an error, call no more.
    public mutating func next() -> Item {
        while true {
            if let nl = buffer[scanned...].firstIndex(of: 0x0A) {
                let end = nl > start && buffer[nl - 1] == 0x0D ? nl - 1 : nl
                guard end - start <= maxLine else { return .tooLong(lineNumber: lineNumber + 1) }
                let item = take(start..<end)
                start = nl + 1
                scanned = start
                return item
            }
            scanned = buffer.count
            // A CR may still be followed by its LF, so allow one byte beyond the cap.
            guard buffer.count - start <= maxLine + 1 else { return .tooLong(lineNumber: lineNumber + 1) }
            if atEnd {
                guard start < buffer.count else { return .end }
                guard buffer.count - start <= maxLine else { return .tooLong(lineNumber: lineNumber + 1) }
                let item = take(start..<buffer.count)
                start = buffer.count
                scanned = start
                return item
            }
            // Drop consumed lines before reading more: each byte moves at most once per line it is in.
            if start > 0 {
                buffer.removeSubrange(0..<start)
                scanned -= start
                start = 0
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .readError(errno)
            }
            if n == 0 { atEnd = true } else { buffer += chunk[0..<n] }
        }
    }

    private mutating func take(_ range: Range<Int>) -> Item {
        lineNumber += 1
        guard let s = String(validating: buffer[range], as: UTF8.self) else {
            return .invalidUTF8(lineNumber: lineNumber)
        }
        return .line(s)
    }
}

/// Reads `fd` to end of file, refusing more than `limit` bytes.
/// - Returns: the bytes, `.tooLarge` as soon as more than `limit` arrived, or the errno of a failed read.
public func readAll(_ fd: Int32, limit: Int) -> Result<[UInt8], ReadLimitError> {
    var out = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return .failure(.readError(errno))
        }
        if n == 0 { return .success(out) }
        guard out.count + n <= limit else { return .failure(.tooLarge) }
        out += chunk[0..<n]
    }
}

/// Why `readAll(_:limit:)` returned no bytes.
public enum ReadLimitError: Error, Equatable {
    case tooLarge
    case readError(Int32)
}
