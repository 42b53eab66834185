#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket
import RTC

/// `rtc bench --media`: an RTP stream forwarded through two `rtc` processes (RTP in → SRTP on
/// loopback → RTP out), measured from outside: packets/s, MB/s, loss, latency added by the
/// relay, CPU per packet and peak RSS of each process.
public enum MediaBench {
    /// The bench's two runs by default: a moderate paced rate (for latency) and the most the
    /// relay forwards (for throughput and CPU).
    public static let defaultRates = ["10000", "max"]
    /// Packets in flight at most in a max run (the relay's socket buffers hold several times more).
    static let window = 512

    /// Runs the media bench as `options` say (rates, payload size, relay) and returns its report.
    /// - Throws: `BenchError` when the relay does not start or forwards nothing.
    public static func run(_ options: BenchOptions) throws -> MediaBenchReport {
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
            throw BenchError("bench: no RTP came out of the relay (\(relay.name))")
        }
        var runs: [MediaBenchReport.Run] = []
        for rate in options.rates {
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
