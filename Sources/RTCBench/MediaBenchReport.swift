import RTC

/// The JSON report of `rtc bench --media`.
public struct MediaBenchReport: Encodable, Sendable {
    public struct Latency: Encodable, Sendable {
        public let p50: Double
        public let p90: Double
        public let p99: Double
        public let max: Double
    }

    public struct Run: Encodable, Sendable {
        /// Packets per second asked for, or "max".
        public let rate: String
        public let packets_sent: Int
        public let packets_received: Int
        public let duplicates: Int
        public let loss_pct: Double
        public let seconds: Double
        public let packets_per_s: Double
        public let mb_per_s: Double
        public let latency_us: Latency
        /// CPU time of each process during the run per packet received.
        public let cpu_us_per_packet: [String: Double]
        /// CPU time of each process during the run, in % of one core.
        public let cpu_pct: [String: Double]

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

    public let relay: String
    public let payload_bytes: Int
    public let packet_bytes: Int
    public let duration_s: Double
    public let window: Int
    public let load_average: [Double]
    public let peak_rss_mib: [String: Double]
    public let runs: [Run]

    /// The report as the table `rtc bench --media` prints on stderr.
    public var table: String {
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
