#if canImport(Glibc)
import Glibc
#endif

/// Minimal leveled logger writing to stderr (stdout is reserved for JSON).
/// The level comes from `--verbose` or `RTC_LOG=debug|info|warn|error`.
public enum Log {
    public enum Level: Int, Comparable, Sendable {
        case trace = 0, debug, info, warn, error, off
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        public init?(name: String) {
            switch name.lowercased() {
            case "trace": self = .trace
            case "debug": self = .debug
            case "info": self = .info
            case "warn", "warning": self = .warn
            case "error": self = .error
            case "off", "none": self = .off
            default: return nil
            }
        }
    }

    nonisolated(unsafe) public static var level: Level = {
        if let p = getenv("RTC_LOG"), let l = Level(name: String(cString: p)) { return l }
        return .warn
    }()

    public static func trace(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.trace, tag, m) }
    public static func debug(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.debug, tag, m) }
    public static func info(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.info, tag, m) }
    public static func warn(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.warn, tag, m) }
    public static func error(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.error, tag, m) }

    private static func emit(_ l: Level, _ tag: String, _ m: () -> String) {
        guard l >= level else { return }
        let prefix = tag.isEmpty ? "rtc: " : "rtc[\(tag)]: "
        let line = prefix + m() + "\n"
        _ = line.withCString { fputs($0, stderr) }
    }
}
