import RTC

/// The JSON report of `rtc bench`.
public struct BenchReport: Encodable, Sendable {
    public struct Latency: Encodable, Sendable {
        public let p50: Double
        public let p90: Double
        public let p99: Double
        public let max: Double
    }

    public let setup_ms: Double
    public let throughput: [BenchClient.ThroughputResult]
    public let rtt_us: Latency
    /// The same ping-pong on its own channel while the throughput cases sent.
    public let rtt_loaded_us: Latency
    public let rtt_loaded_count: Int
    public let cpu_s_per_gb: Double
    public let peak_rss_mib: Double
    public let processes: Int
    public let delay_ms: Double
    public let loss_pct: Double

    /// The report as the table `rtc bench` prints on stderr.
    public var table: String {
        var lines = ["rtc bench: \(processes) process(es), loopback, delay \(delay_ms) ms each way, loss \(loss_pct) %",
                     formatted("  setup            %8.2f ms", setup_ms)]
        for t in throughput {
            let kind = padded(t.ordered ? "ordered" : "unordered", 10)
            let reliability = padded(t.reliability, 10)
            lines.append(formatted("  %6d B ", t.message_size) + kind + reliability
                         + formatted("%9.2f MB/s  %5.1f %% delivered", t.mb_per_s,
                                     100 * Double(t.bytes) / Double(max(1, t.sent_bytes))))
        }
        lines.append(formatted("  rtt p50 %.0f µs  p90 %.0f µs  p99 %.0f µs  max %.0f µs",
                            rtt_us.p50, rtt_us.p90, rtt_us.p99, rtt_us.max))
        lines.append(formatted("  loaded rtt p50 %.0f µs  p90 %.0f µs  p99 %.0f µs  max %.0f µs  (%d)",
                            rtt_loaded_us.p50, rtt_loaded_us.p90, rtt_loaded_us.p99, rtt_loaded_us.max,
                            rtt_loaded_count))
        lines.append(formatted("  cpu %.2f s/GB   peak RSS %.1f MiB", cpu_s_per_gb, peak_rss_mib))
        return lines.joined(separator: "\n")
    }
}

/// `text` cut or padded with spaces to `width` characters.
private func padded(_ text: String, _ width: Int) -> String {
    String(text.prefix(width)) + String(repeating: " ", count: max(0, width - text.count))
}
