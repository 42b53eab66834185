#if canImport(Glibc)
import Glibc
#endif
import RTC

/// What `rtc bench --media` measures: processes that take RTP on one loopback UDP port and put
/// it out on another. Normally two `rtc` processes (offer with `--video-in`, answer with
/// `--video-out`, media only, signaling relayed by us over their stdio); with `--relay-command`
/// any program that prints `{"type":"ready","pids":[...],"names":[...]}` once its stream flows
/// (Scripts/bench-media-aiortc.py does, for two aiortc peers).
final class MediaBenchRelay {
    let name: String
    /// The processes whose CPU and memory are reported, by role.
    private(set) var processes: [(name: String, pid: pid_t)] = []
    private var children: [(ChildProcess, ChildLines)] = []

    /// Two `rtc` children of this executable, connected over loopback `host`.
    init(rtcInput: UInt16, output: UInt16, host: String, executable: String?, seconds: Double) throws {
        name = executable ?? "rtc"
        let common = ["--video", "vp8", "--no-data-channel", "--ice-host", host, "--json"]
        let offer = try start(["offer", "--video-in", "udp://127.0.0.1:\(rtcInput)"] + common, executable: executable)
        let answer = try start(["answer", "--video-out", "udp://127.0.0.1:\(output)"] + common, executable: executable)
        processes = [("offer", offer.0.pid), ("answer", answer.0.pid)]
        guard let o = offer.1.first(seconds: seconds, where: { $0["type"]?.stringValue == "offer" }) else {
            throw CLIError(.failure, "bench: the offering rtc printed no offer")
        }
        answer.0.write(o + "\n")
        guard let a = answer.1.first(seconds: seconds, where: { $0["type"]?.stringValue == "answer" }) else {
            throw CLIError(.failure, "bench: the answering rtc printed no answer")
        }
        offer.0.write(a + "\n")
        for (role, lines) in [("offer", offer.1), ("answer", answer.1)] {
            guard lines.first(seconds: seconds, where: { $0["type"]?.stringValue == "track" }) != nil else {
                throw CLIError(.failure, "bench: the \(role) rtc did not connect its video section within \(seconds) s")
            }
        }
    }

    /// `command` run by /bin/sh with {in} and {out} replaced by the ports.
    init(command: String, input: UInt16, output: UInt16, seconds: Double) throws {
        name = command
        let text = command.replacing("{in}", with: String(input))
            .replacing("{out}", with: String(output))
        let child = try start(["-c", "exec " + text], executable: "/bin/sh")
        guard let line = child.1.first(seconds: seconds, where: { $0["type"]?.stringValue == "ready" }),
              let ready = JSONValue.parseObject(line),
              case let .array(pids)? = ready["pids"], case let .array(names)? = ready["names"]
        else {
            throw CLIError(.failure, "bench: --relay-command printed no ready line within \(seconds) s")
        }
        processes = zip(names, pids).map { ($0.stringValue ?? "?", pid_t($1.intValue ?? 0)) }
    }

    private func start(_ arguments: [String], executable: String? = nil) throws -> (ChildProcess, ChildLines) {
        let child = try ChildProcess(arguments: arguments, executable: executable)
        let lines = ChildLines(child)
        children.append((child, lines))
        return (child, lines)
    }

    /// CPU time of each process so far (all threads, ns, from /proc/PID/task/*/schedstat).
    func cpuNanoseconds() -> [UInt64] { processes.map { ProcStat.cpuNanoseconds(pid: $0.pid) } }

    /// Peak resident set of each process (VmHWM), MiB.
    func peakRSSMiB() -> [Double] { processes.map { ProcStat.peakRSSMiB(pid: $0.pid) } }

    /// Ends the children: SIGTERM (a connected session exits 0), SIGKILL after 5 s.
    func close() {
        for (child, _) in children { child.terminate() }
        for (child, _) in children where !child.waitForExit(until: .after(5)) {
            kill(child.pid, SIGKILL)
            child.waitUntilExit()
        }
        children.removeAll()
    }
}

/// The lines a child prints on stdout, read on their own thread (so its pipe never fills).
final class ChildLines: @unchecked Sendable {
    private let state = Condition()
    private var lines: [String] = []
    private var ended = false

    init(_ child: ChildProcess) {
        startThread(name: "bench-child-out") { [self] in
            while let line = child.readLine() {
                state.withLock { lines.append(line) }
                state.broadcast()
            }
            state.withLock { ended = true }
            state.broadcast()
        }
    }

    /// The first JSON-object line matching `predicate` (removed), waiting up to `seconds`.
    func first(seconds: Double, where predicate: ([String: JSONValue]) -> Bool) -> String? {
        let deadline = Deadline.after(seconds)
        state.lock()
        defer { state.unlock() }
        while true {
            if let i = lines.firstIndex(where: { JSONValue.parseObject($0).map(predicate) == true }) {
                return lines.remove(at: i)
            }
            if ended || !state.wait(until: deadline) { return nil }
        }
    }
}

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
