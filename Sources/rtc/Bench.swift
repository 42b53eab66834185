import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import RTC
import RTCBench

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark data channels on loopback: setup time, throughput, round-trip latency (--media: RTP forwarding).",
        discussion: """
            Runs with no setup: both peers in this process on 127.0.0.1 (--processes 2 starts \
            a second rtc process as the receiver, connected over stdio signaling). Prints one \
            JSON report on stdout and a table on stderr (unless --json):

            {"setup_ms":N,"throughput":[{"message_size":65536,"ordered":true,\
            "reliability":"reliable","bytes":N,"sent_bytes":N,"seconds":N,"mb_per_s":N},...],\
            "rtt_us":{"p50":N,"p90":N,"p99":N,"max":N},"rtt_loaded_us":{...},"rtt_loaded_count":N,\
            "cpu_s_per_gb":N,"peak_rss_mib":N,"processes":1}

            MB = 10^6 bytes. setup_ms is the median over --setup-runs fresh connections \
            (in-process) or the time from starting the receiver process to the open channel \
            (--processes 2). --delay and --loss impair both directions inside the stack (no \
            root needed): --delay 25 gives a 50 ms round trip. Throughput runs each message size as reliable ordered, reliable \
            unordered and partially reliable (maxRetransmits 0), sending --bytes per case or \
            for at most --duration seconds, with back-pressure (the sender waits while more \
            than 2 MiB are buffered); it counts from the first send to the receiver's last \
            byte, and the next case starts once SCTP holds nothing unacknowledged. A partially \
            reliable case counts only messages that arrived whole: bytes / sent_bytes is the \
            share delivered (a 64 KiB message is ~56 packets, lost if any of them is). rtt_us \
            is the ping-pong round trip of --rtt-size byte messages on an idle connection; \
            rtt_loaded_us the same ping-pong (at most one per 10 ms) on its own channel while \
            the cases send, rtt_loaded_count round trips, with --loaded-rtt, --delay or \
            --loss (0 otherwise): the delay a standing queue adds. cpu_s_per_gb \
            is the CPU time of both peers during the throughput runs per 10^9 bytes moved; \
            peak_rss_mib is the larger peak resident set (ru_maxrss) of the processes. SCTP \
            buffers start at 512 KiB (offer, answer, send and listen: 1 MiB) and, as theirs, \
            grow to 1.25 times 250 MB/s times the measured round trip, at most 16 MiB (the send \
            buffer no further than 2.5 congestion windows).

            MEDIA (--media): starts two rtc processes, `offer --video vp8 --video-in \
            udp://127.0.0.1:A --no-data-channel` and `answer --video vp8 --video-out \
            udp://127.0.0.1:B --no-data-channel` (signaling relayed over their stdio), sends RTP \
            with --payload-size byte payloads to A and receives at B. Each payload carries a \
            sequence number and its send time, so latency_us is what the two processes and three \
            loopback hops add per packet. One run per --rate: paced at that many packets/s, or \
            max (as fast as the relay forwards, at most 512 packets in flight), each for \
            --duration seconds. Report: {"relay":"rtc","payload_bytes":1200,"runs":[{"rate":R,\
            "packets_sent":N,"packets_received":N,"loss_pct":N,"packets_per_s":N,"mb_per_s":N,\
            "latency_us":{"p50":N,"p90":N,"p99":N,"max":N},"cpu_us_per_packet":{"offer":N,\
            "answer":N},"cpu_pct":{...}},...],"peak_rss_mib":{...},"load_average":[...],...}. \
            CPU is each process's time on a CPU during the run (/proc/PID/task/*/schedstat) \
            per packet received; MB = 10^6 payload bytes. --relay-command measures another \
            relay the same way (Scripts/bench-media-compare runs aiortc so).
            """
    )

    @Option(help: "Number of processes: 1 (both peers here) or 2 (a child rtc process receives).")
    var processes = 1

    @Option(name: .customLong("size"), help: ArgumentHelp(
        "Message size in bytes for throughput runs (repeatable).", valueName: "BYTES"))
    var sizes: [Int] = [1024, 16384, 65536, 262_144]

    @Option(help: "Bytes to send per throughput case.")
    var bytes = 256 << 20

    @Option(help: "Longest a throughput case may send, in seconds.")
    var duration = 1.5

    @Option(name: .customLong("rtt-count"), help: "Round trips to measure.")
    var rttCount = 2000

    @Option(name: .customLong("rtt-size"), help: "Bytes per ping-pong message.")
    var rttSize = 100

    @Option(name: .customLong("setup-runs"), help: "Fresh connections to time setup over (in-process).")
    var setupRuns = 5

    @Flag(name: .customLong("loaded-rtt"), help: "Also ping while the throughput cases send (default with --delay or --loss).")
    var loadedRTT = false

    @OptionGroup var impairment: ImpairmentOptions

    @Option(name: .customLong("ice-host"), help: "Loopback address to run on.")
    var iceHost = "127.0.0.1"

    @Flag(help: "Only the JSON report (no table on stderr).")
    var json = false

    @Flag(help: "Benchmark media instead: RTP forwarded through two rtc processes (see MEDIA below).")
    var media = false

    @Option(name: .customLong("rate"), help: ArgumentHelp(
        "--media: packets per second to send, or max (repeatable; default 10000 and max).", valueName: "PPS"))
    var rates: [String] = []

    @Option(name: .customLong("payload-size"), help: ArgumentHelp("--media: RTP payload bytes.", valueName: "BYTES"))
    var payloadSize = 1200

    @Option(name: .customLong("relay-command"), help: ArgumentHelp(
        "--media: measure this command instead of two rtc processes ({in} and {out} become the ports).",
        valueName: "COMMAND"))
    var relayCommand: String?

    @Option(name: .customLong("rtc-binary"), help: ArgumentHelp(
        "--media: the rtc executable to run as offer and answer (default: this one), e.g. another build.",
        valueName: "PATH"))
    var rtcBinary: String?

    @Flag(help: .hidden)
    var serve = false

    func validate() throws {
        guard processes == 1 || processes == 2 else { throw ValidationError("--processes is 1 or 2") }
        guard sizes.allSatisfy({ $0 > 0 && $0 <= 262_144 }) else {
            throw ValidationError("--size must be 1...262144 (the largest message a channel carries)")
        }
        guard bytes > 0, duration > 0, rttCount > 0, setupRuns > 0 else {
            throw ValidationError("counts and durations must be positive")
        }
        guard TransportAddress(host: iceHost, port: 0) != nil else { throw ValidationError("--ice-host needs an IP") }
        guard rates.allSatisfy({ $0 == "max" || (Double($0) ?? 0) > 0 }) else {
            throw ValidationError("--rate takes packets per second (> 0) or max")
        }
        guard (16...1400).contains(payloadSize) else { throw ValidationError("--payload-size must be 16...1400") }
    }

    /// Loopback peers, impaired as asked, with SCTP buffers starting at 512 KiB.
    var peerConfiguration: PeerConnection.Configuration {
        BenchOptions.loopbackConfiguration(iceHost: iceHost, impairment: impairment.impairment)
    }

    /// The options as the bench library takes them.
    var benchOptions: BenchOptions {
        var o = BenchOptions()
        o.processes = processes
        o.sizes = sizes
        o.bytes = bytes
        o.duration = duration
        o.rttCount = rttCount
        o.rttSize = rttSize
        o.setupRuns = setupRuns
        o.iceHost = iceHost
        o.delay = impairment.delay
        o.loss = impairment.loss
        o.loadedRTT = loadedRTT || impairment.delay > 0 || impairment.loss > 0
        o.configuration = peerConfiguration
        if !rates.isEmpty { o.rates = rates }
        o.payloadSize = payloadSize
        o.relayCommand = relayCommand
        o.rtcBinary = rtcBinary
        return o
    }

    func run() throws {
        if serve { return try BenchProcess.serve(configuration: peerConfiguration) }
        let (json, table) = try BenchRun.run(benchOptions, media: media)
        print(json)
        if !self.json { printError(table) }
    }
}
