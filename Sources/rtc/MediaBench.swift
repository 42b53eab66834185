import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket
import RTC

/// `rtc bench --media`: an RTP stream forwarded through two `rtc` processes (RTP in → SRTP on
/// loopback → RTP out), measured from outside: packets/s, MB/s, loss, latency added by the
/// relay, CPU per packet and peak RSS of each process.
enum MediaBench {
    /// The bench's two runs by default: a moderate paced rate (for latency) and the most the
    /// relay forwards (for throughput and CPU).
    static let defaultRates = ["10000", "max"]
    /// Packets in flight at most in a max run (the relay's socket buffers hold several times more).
    static let window = 512

    static func run(_ options: Bench) throws -> MediaBenchReport {
        let inputPort = try freeUDPPort()
        let traffic = try MediaBenchTraffic(
            payloadSize: options.payloadSize, destinationPort: inputPort)
        defer { traffic.stop() }
        let relay: MediaBenchRelay
        if let command = options.relayCommand {
            relay = try MediaBenchRelay(command: command, input: inputPort, output: traffic.receivePort, seconds: 30)
        } else {
            relay = try MediaBenchRelay(rtcInput: inputPort, output: traffic.receivePort, host: options.iceHost,
                                        executable: options.rtcBinary, seconds: 30)
        }
        defer { relay.close() }

        // Warm-up: the path must carry packets before anything is timed.
        let warm = traffic.run(count: 200, rate: 2000, seconds: 5, window: window, drain: 2)
        guard warm.received > 0 else {
            throw CLIError(.failure, "bench: no RTP came out of the relay (\(relay.name))")
        }
        var runs: [MediaBenchReport.Run] = []
        for rate in options.mediaRates {
            let pps = rate == "max" ? nil : Double(rate)
            let cpuBefore = relay.cpuNanoseconds()
            let count = pps.map { Int($0 * options.duration) } ?? Int(options.duration * 3_000_000)
            let t = traffic.run(count: count, rate: pps, seconds: options.duration, window: window, drain: 0.5)
            let cpu = zip(relay.cpuNanoseconds(), cpuBefore).map { $0 - $1 }
            runs.append(.init(rate: rate, tally: t, payloadSize: options.payloadSize,
                              cpu: zip(relay.processes, cpu).map { ($0.name, $1) }))
        }
        let rss = relay.peakRSSMiB()
        return MediaBenchReport(
            relay: relay.name, payload_bytes: options.payloadSize,
            packet_bytes: options.payloadSize + MediaBenchTraffic.headerLength, duration_s: options.duration,
            window: window, load_average: ProcStat.loadAverage(),
            peak_rss_mib: Dictionary(uniqueKeysWithValues: zip(relay.processes.map(\.name), rss.map(round3))),
            runs: runs)
    }

    /// A loopback port free right now, for the relay to bind (it may be taken meanwhile; then
    /// the relay fails to start and says so).
    static func freeUDPPort() throws -> UInt16 {
        let fd = try LoopbackUDP.bound()
        defer { close(fd) }
        return LoopbackUDP.port(of: fd)
    }
}

/// IPv4 loopback sockets for the bench's own traffic.
enum LoopbackUDP {
    /// 127.0.0.1:`port`.
    static func address(port: UInt16) -> sockaddr_in {
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return sa
    }

    /// A non-blocking UDP socket bound to 127.0.0.1 on a free port.
    static func bound() throws -> Int32 {
        let fd = rtc_udp_socket(AF_INET)
        guard fd >= 0 else { throw CLIError(.failure, "bench: socket: \(String(cString: strerror(errno)))") }
        var sa = address(port: 0)
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw CLIError(.failure, "bench: bind: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    static func port(of fd: Int32) -> UInt16 {
        var sa = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: sa.sin_port)
    }
}

/// The JSON report of `rtc bench --media`.
struct MediaBenchReport: Encodable {
    struct Latency: Encodable {
        let p50: Double
        let p90: Double
        let p99: Double
        let max: Double
    }

    struct Run: Encodable {
        /// Packets per second asked for, or "max".
        let rate: String
        let packets_sent: Int
        let packets_received: Int
        let duplicates: Int
        let loss_pct: Double
        let seconds: Double
        let packets_per_s: Double
        let mb_per_s: Double
        let latency_us: Latency
        /// CPU time of each process during the run per packet received.
        let cpu_us_per_packet: [String: Double]
        /// CPU time of each process during the run, in % of one core.
        let cpu_pct: [String: Double]

        init(rate: String, tally t: MediaBenchTraffic.Tally, payloadSize: Int, cpu: [(String, UInt64)]) {
            self.rate = rate
            packets_sent = t.sent
            packets_received = t.received
            duplicates = t.duplicates
            loss_pct = round3(t.sent > 0 ? Double(t.sent - t.received) * 100 / Double(t.sent) : 0)
            let s = max(1e-9, Double(Int64(t.lastReceive) - Int64(t.firstSend)) / 1e9)
            seconds = round3(s)
            packets_per_s = (Double(t.received) / s).rounded()
            mb_per_s = round3(Double(t.received * payloadSize) / s / 1e6)
            let us = { (p: Double) in round3(Double(t.latencyNanos.valueAtPercentile(p)) / 1000) }
            latency_us = Latency(p50: us(50), p90: us(90), p99: us(99), max: round3(Double(t.latencyNanos.maxRecorded) / 1000))
            cpu_us_per_packet = Dictionary(uniqueKeysWithValues: cpu.map { ($0.0, round3(Double($0.1) / 1000 / Double(max(1, t.received)))) })
            cpu_pct = Dictionary(uniqueKeysWithValues: cpu.map { ($0.0, round3(Double($0.1) / 1e7 / s)) })
        }
    }

    let relay: String
    let payload_bytes: Int
    let packet_bytes: Int
    let duration_s: Double
    let window: Int
    let load_average: [Double]
    let peak_rss_mib: [String: Double]
    let runs: [Run]

    var table: String {
        let load = load_average.map { formatted("%.2f", $0) }.joined(separator: " ")
        var lines = ["rtc bench --media: relay \(relay), \(payload_bytes)-byte payloads, loopback, load average \(load)"]
        for r in runs {
            lines.append("  rate \(r.rate): " + formatted("%.0f packets/s received, %.1f MB/s, loss %.2f %% (%d of %d)",
                                                      r.packets_per_s, r.mb_per_s, r.loss_pct,
                                                      r.packets_sent - r.packets_received, r.packets_sent))
            lines.append(formatted("    latency p50 %.0f µs  p90 %.0f µs  p99 %.0f µs  max %.0f µs",
                                   r.latency_us.p50, r.latency_us.p90, r.latency_us.p99, r.latency_us.max))
            let cpu = r.cpu_us_per_packet.sorted { $0.key > $1.key }
                .map { $0.key + formatted(" %.2f µs/packet (%.0f %% CPU)", $0.value, r.cpu_pct[$0.key] ?? 0) }
            lines.append("    " + cpu.joined(separator: ", "))
        }
        let rss = peak_rss_mib.sorted { $0.key > $1.key }.map { $0.key + formatted(" %.1f MiB", $0.value) }
        lines.append("  peak RSS " + rss.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}

extension Bench {
    /// The rates of `--rate`, or the default pair.
    var mediaRates: [String] { rates.isEmpty ? MediaBench.defaultRates : rates }

    func runMedia() throws {
        let report = try MediaBench.run(self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
        if !json { printError(report.table) }
    }
}
