#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTCCore
import RTCSDP

/// Reading `rtc sdp-parse`'s input, and its parse timing.
public enum SDPJSONInput {
    /// The whole of `path` (nil or `-`: stdin), read up to `limit` bytes so that `/dev/zero`
    /// cannot fill memory.
    /// - Throws: `SDPJSONError.invalid` naming the file (or stdin): unreadable, not UTF-8, or
    ///   longer than `limit` (the message names `--max-size`).
    public static func read(_ path: String?, limit: Int) throws(SDPJSONError) -> String {
        var fd: Int32 = 0
        if let path, path != "-" {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw .invalid("cannot read \(path)") }
        }
        defer { if fd != 0 { close(fd) } }
        let name = path ?? "stdin"
        switch readAll(fd, limit: limit) {
        case let .success(bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalid("\(name) is not valid UTF-8") }
            return text
        case .failure(.tooLarge):
            throw .invalid("\(name) exceeds the limit of \(limit) bytes (--max-size)")
        case let .failure(.readError(e)):
            throw .invalid("cannot read \(name): \(String(cString: strerror(e)))")
        }
    }

    /// Parses `input` `runs` times (at least once) and says how long a parse took on average,
    /// as one line ("N lines parsed in T ms (mean of R runs)"), for release-build measurements.
    /// - Throws: `SDPJSONError.invalid` with the parse error.
    public static func benchmark(_ input: String, runs: Int, limits: SDPLimits) throws(SDPJSONError) -> String {
        let runs = max(1, runs)
        let lines = input.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<runs {
            do { _ = try SessionDescription.parse(input, limits: limits) } catch { throw .invalid("\(error)") }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(runs)
        return "\(lines) lines parsed in \(formatted("%.3f", ms)) ms (mean of \(runs) runs)"
    }
}
