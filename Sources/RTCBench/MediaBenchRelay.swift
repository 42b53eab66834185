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
            throw BenchError("bench: the offering rtc printed no offer")
        }
        answer.0.write(o + "\n")
        guard let a = answer.1.first(seconds: seconds, where: { $0["type"]?.stringValue == "answer" }) else {
            throw BenchError("bench: the answering rtc printed no answer")
        }
        offer.0.write(a + "\n")
        for (role, lines) in [("offer", offer.1), ("answer", answer.1)] {
            guard lines.first(seconds: seconds, where: { $0["type"]?.stringValue == "track" }) != nil else {
                throw BenchError("bench: the \(role) rtc did not connect its video section within \(seconds) s")
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
            throw BenchError("bench: --relay-command printed no ready line within \(seconds) s")
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
