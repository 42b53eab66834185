#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Small text helpers the standard library lacks, so the stack needs no Foundation.

extension StringProtocol {
    /// Without leading and trailing white space and newlines ("\r\n" is one Character).
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}

extension StringProtocol {
    /// The range of the first occurrence of `needle`, compared as UTF-8 bytes. Our own search:
    /// the standard one lives in _StringProcessing, whose code we otherwise never run (and whose
    /// pages would then stay resident for a few substring checks).
    public func firstRange(ofText needle: String) -> Range<Index>? {
        let hay = Array(utf8), pattern = Array(needle.utf8)
        guard !pattern.isEmpty, hay.count >= pattern.count else { return pattern.isEmpty ? startIndex..<startIndex : nil }
        for start in 0...(hay.count - pattern.count) where hay[start] == pattern[0] {
            if hay[start..<(start + pattern.count)].elementsEqual(pattern) {
                let lower = utf8.index(utf8.startIndex, offsetBy: start)
                return lower..<utf8.index(lower, offsetBy: pattern.count)
            }
        }
        return nil
    }

    /// Whether `needle` occurs in this string (see `firstRange(ofText:)`).
    public func containsText(_ needle: String) -> Bool { firstRange(ofText: needle) != nil }
}

/// printf-style formatting of numbers (`%.1f`, `%6d`, `%02x`); no `%@`.
public func formatted(_ format: String, _ arguments: CVarArg...) -> String {
    withVaList(arguments) { list in
        var buffer = [CChar](repeating: 0, count: 256)
        let n = vsnprintf(&buffer, buffer.count, format, list)
        return n < 0 ? "" : String(decoding: buffer.prefix(min(Int(n), buffer.count - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Writes `text` to stderr in one write(2) (lines from several threads do not interleave).
public func writeToStandardError(_ text: String) {
    writeAll(2, Array(text.utf8))
}

/// Writes `text` to stdout.
/// - Returns: false when stdout failed (e.g. a closed pipe).
@discardableResult
public func writeToStandardOutput(_ text: String) -> Bool {
    writeAll(1, Array(text.utf8))
}

/// Writes all of `bytes` to `fd`, retrying on EINTR and partial writes.
/// - Returns: false when the descriptor failed (closed pipe, full disk); `errno` says why.
@discardableResult
public func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return false }
        offset += n
    }
    return true
}

/// Reads `fd` to end of file, with no limit (`readAll(_:limit:)` bounds untrusted input).
/// - Returns: nil on a read error.
public func readAll(_ fd: Int32) -> [UInt8]? {
    try? readAll(fd, limit: .max).get()
}
