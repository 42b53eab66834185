#if canImport(Glibc)
import Glibc
#endif
import Synchronization

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

    public static var level: Level {
        get { Level(rawValue: levelStorage.load(ordering: .relaxed)) ?? .warn }
        set { levelStorage.store(newValue.rawValue, ordering: .relaxed) }
    }

    /// Atomic: any thread logs while the CLI or a test sets the level.
    private static let levelStorage = Atomic<Int>({
        if let p = getenv("RTC_LOG"), let l = Level(name: String(cString: p)) { return l.rawValue }
        return Level.warn.rawValue
    }())

    /// With `RTC_LOG_TIME` set, each line starts with the monotonic milliseconds since
    /// `markStart()` (called first thing in `main`), to time setup phases across processes.
    public static var timestamps: Bool {
        get { timestampsStorage.load(ordering: .relaxed) }
        set { timestampsStorage.store(newValue, ordering: .relaxed) }
    }

    private static let timestampsStorage = Atomic<Bool>(getenv("RTC_LOG_TIME") != nil)

    /// Monotonic nanoseconds at process start (first use; `main` touches it at once).
    public static let start: UInt64 = monotonicNanos()

    /// Pins `start` to now; call first thing in `main`.
    public static func markStart() { _ = start }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// "+12.345 ms " from `start` to `now`, or "" when timestamps are off.
    static func stamp(now: UInt64 = monotonicNanos()) -> String {
        guard timestamps else { return "" }
        let micros = (now &- start) / 1000
        let frac = String(micros % 1000)
        return "+\(micros / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac) ms "
    }

    public static func trace(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.trace, tag, m) }
    public static func debug(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.debug, tag, m) }
    public static func info(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.info, tag, m) }
    public static func warn(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.warn, tag, m) }
    public static func error(_ m: @autoclosure () -> String, _ tag: String = "") { emit(.error, tag, m) }

    private static func emit(_ l: Level, _ tag: String, _ m: () -> String) {
        guard l >= level else { return }
        let prefix = tag.isEmpty ? "rtc: " : "rtc[\(tag)]: "
        let line = stamp() + prefix + m() + "\n"
        // write(2) on fd 2: the C `stderr` global is shared mutable state to Swift 6 (and unbuffered anyway).
        var bytes = line
        bytes.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
