#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Histogram
import RTC
import RTCSignaling

/// Sets up the peers for `rtc bench` (in this process, or with a child process over stdio
/// signaling), runs the measurements and collects resource usage.
public enum BenchProcess {
    /// Runs the data-channel bench as `options` say and returns its report. Blocks.
    /// - Throws: `BenchError` when a peer, channel or the child process fails.
    public static func run(_ options: BenchOptions) throws -> BenchReport {
        let loop = PollEventLoop()
        loop.start(name: "rtc-bench")
        defer { loop.stop() }
        let configuration = options.configuration

        var setupTimes: [Double] = []
        var client: BenchClient!
        var child: ChildProcess?
        var keepAlive: [AnyObject] = []
        if options.processes == 1 {
            for run in 0..<options.setupRuns {
                let start = PollEventLoop.monotonicNow()
                let (c, server) = try connectInProcess(loop: loop, configuration: configuration)
                try c.openControl()
                setupTimes.append(Double(PollEventLoop.monotonicNow().since(start).nanoseconds) / 1e6)
                if run < options.setupRuns - 1 {
                    try c.onLoop { c.peer.close() }
                } else {
                    client = c
                    keepAlive.append(server)
                }
            }
        } else {
            let start = PollEventLoop.monotonicNow()
            let (c, p) = try connectChild(loop: loop, configuration: configuration, options: options)
            try c.openControl()
            setupTimes.append(Double(PollEventLoop.monotonicNow().since(start).nanoseconds) / 1e6)
            client = c
            child = p
        }

        if options.loadedRTT { try client.openLoadPing(size: options.rttSize) }
        let cpuBefore = cpuSeconds(children: false)
        var results: [BenchClient.ThroughputResult] = []
        for size in options.sizes {
            for c in [BenchClient.ThroughputCase(messageSize: size, ordered: true, maxRetransmits: nil),
                      BenchClient.ThroughputCase(messageSize: size, ordered: false, maxRetransmits: nil),
                      BenchClient.ThroughputCase(messageSize: size, ordered: true, maxRetransmits: 0)] {
                results.append(try client.throughput(c, total: options.bytes, maxSeconds: options.duration))
            }
        }
        let cpuSelf = cpuSeconds(children: false) - cpuBefore
        let moved = results.reduce(0) { $0 + $1.bytes }
        let loaded = try client.loadedRoundTrips()
        let histogram = try client.roundTrips(count: options.rttCount, size: options.rttSize)
        try client.onLoop { client.peer.close() }

        var cpuChild = 0.0
        var childRSS = 0.0
        if let child {
            // The child exits when its connection closes; its CPU covers its whole run.
            if !child.waitForExit(until: Deadline.after(5)) { child.terminate() }
            child.waitUntilExit()
            cpuChild = cpuSeconds(children: true)
            childRSS = peakRSSMiB(children: true)
        }
        _ = keepAlive
        setupTimes.sort()
        let latency = { (h: Histogram<UInt64>) in
            BenchReport.Latency(p50: Double(h.valueAtPercentile(50)), p90: Double(h.valueAtPercentile(90)),
                                p99: Double(h.valueAtPercentile(99)), max: Double(h.maxRecorded))
        }
        return BenchReport(
            setup_ms: round3(setupTimes[setupTimes.count / 2]),
            throughput: results,
            rtt_us: latency(histogram),
            rtt_loaded_us: latency(loaded),
            rtt_loaded_count: Int(loaded.totalCount),
            cpu_s_per_gb: round3((cpuSelf + cpuChild) / max(1e-9, Double(moved) / 1e9)),
            peak_rss_mib: round3(max(peakRSSMiB(children: false), childRSS)),
            processes: options.processes, delay_ms: options.delay, loss_pct: options.loss)
    }

    /// Two peers on one loop, signaling by direct calls.
    public static func connectInProcess(loop: PollEventLoop, configuration: PeerConnection.Configuration)
        throws -> (BenchClient, BenchServer)
    {
        try loop.runAndWait {
            let offerer = try PeerConnection(loop: loop, configuration: configuration)
            let answerer = try PeerConnection(loop: loop, configuration: configuration)
            let server = BenchServer(peer: answerer, loop: loop)
            try answerer.setRemoteDescription(offerer.createOffer())
            try offerer.setRemoteDescription(answerer.createAnswer())
            return (BenchClient(loop: loop, peer: offerer), server)
        }
    }

    /// Starts `rtc bench --serve` as the answerer and signals over its stdin/stdout.
    static func connectChild(loop: PollEventLoop, configuration: PeerConnection.Configuration, options: BenchOptions)
        throws -> (BenchClient, ChildProcess)
    {
        let p = try ChildProcess(arguments: ["bench", "--serve", "--ice-host", options.iceHost,
                                             "--delay", String(options.delay), "--loss", String(options.loss)])
        let offer = try loop.runAndWait { () -> (PeerConnection, SessionDescriptionInit) in
            let pc = try PeerConnection(loop: loop, configuration: configuration)
            return (pc, pc.createOffer())
        }
        p.write(SignalingMessage.description(offer.1).json() + "\n")
        guard let line = p.readLine() else {
            throw BenchError("bench receiver process printed no answer")
        }
        guard case let .description(answer) = try SignalingMessage.parse(line) else {
            throw BenchError("bench receiver sent no answer")
        }
        try loop.runAndWait { try offer.0.setRemoteDescription(answer) }
        return (BenchClient(loop: loop, peer: offer.0), p)
    }

    /// The child side: answer the offer from stdin, then serve until the connection ends.
    public static func serve(configuration: PeerConnection.Configuration) throws {
        let loop = PollEventLoop()
        loop.start(name: "rtc-bench-serve")
        guard let line = Swift.readLine(), case let .description(offer) = try SignalingMessage.parse(line) else {
            throw BenchError("bench --serve expects an offer line on stdin")
        }
        let ended = DispatchSemaphore(value: 0)
        let (answer, server): (SessionDescriptionInit, BenchServer) = try loop.runAndWait {
            let pc = try PeerConnection(loop: loop, configuration: configuration)
            let server = BenchServer(peer: pc, loop: loop)
            pc.onStateChange = { s in
                if s == .closed || s == .disconnected || s == .failed { ended.signal() }
            }
            try pc.setRemoteDescription(offer)
            return (try pc.createAnswer(), server)
        }
        print(SignalingMessage.description(answer).json())
        fflush(nil)  // every output stream, stdout's answer line with them (no global `stdout` reference)
        _ = ended.wait(timeout: .now() + 600)
        _ = server
    }

    static func cpuSeconds(children: Bool) -> Double {
        var usage = rusage()
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func peakRSSMiB(children: Bool) -> Double {
        var usage = rusage()
        getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
