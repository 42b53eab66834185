#if canImport(Glibc)
import Glibc
#endif
import RTC

/// Per-process figures from /proc.
enum ProcStat {
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Sum over the process's threads of the first schedstat field (ns on a CPU).
    static func cpuNanoseconds(pid: pid_t) -> UInt64 {
        guard let dir = opendir("/proc/\(pid)/task") else { return 0 }
        defer { closedir(dir) }
        var total: UInt64 = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.first?.isNumber == true, let text = read("/proc/\(pid)/task/\(name)/schedstat") else { continue }
            total += text.split(separator: " ").first.flatMap { UInt64($0) } ?? 0
        }
        return total
    }

    static func peakRSSMiB(pid: pid_t) -> Double {
        guard let text = read("/proc/\(pid)/status"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kib = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kib / 1024
    }

    /// The 1, 5 and 15 minute load averages.
    static func loadAverage() -> [Double] {
        (read("/proc/loadavg") ?? "").split(separator: " ").prefix(3).compactMap { Double($0) }
    }
}
