#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTC
@testable import RTCBench

/// The media bench's packet stamps, its report arithmetic, child processes and /proc figures.
@Suite struct BenchPartsTests {
    /// An RTP packet carrying the bench's sequence and send time after `csrcs` CSRCs and an
    /// optional extension of `extensionWords` 32-bit words.
    static func packet(sequence: UInt64, sent: UInt64, csrcs: Int = 0, extensionWords: Int? = nil) -> [UInt8] {
        var p: [UInt8] = [0x80 | UInt8(csrcs) | (extensionWords == nil ? 0 : 0x10), 96, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]
        p += [UInt8](repeating: 0xCC, count: 4 * csrcs)
        if let n = extensionWords { p += [0xBE, 0xDE, UInt8(n >> 8), UInt8(n & 0xFF)] + [UInt8](repeating: 0, count: 4 * n) }
        for v in [sequence, sent] { for k in (0..<8).reversed() { p.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
        return p + [0xA5, 0xA5]
    }

    static func stamps(_ p: [UInt8]) -> (sequence: UInt64, sentNanos: UInt64)? {
        p.withUnsafeBytes { MediaBenchTraffic.stamps(in: $0) }
    }

    @Test(arguments: [(0, nil), (3, nil), (0, 2), (15, 1), (2, 0)] as [(Int, Int?)])
    func stampsAreFoundAfterCSRCsAndExtensions(csrcs: Int, extensionWords: Int?) {
        let p = Self.packet(sequence: 0x0102_0304_0506_0708, sent: 99, csrcs: csrcs, extensionWords: extensionWords)
        let s = Self.stamps(p)
        #expect(s?.sequence == 0x0102_0304_0506_0708 && s?.sentNanos == 99)
    }

    @Test func malformedPacketsCarryNoStamps() {
        let good = Self.packet(sequence: 1, sent: 2, extensionWords: 1)
        #expect(Self.stamps(Array(good.prefix(good.count - 3))) == nil, "cut inside the stamps")
        #expect(Self.stamps(Array(good.prefix(14))) == nil, "cut inside the extension header")
        var version1 = good
        version1[0] = 0x40 | (good[0] & 0x3F)
        #expect(Self.stamps(version1) == nil, "not RTP version 2")
        #expect(Self.stamps([]) == nil)
        var hugeExtension = good
        hugeExtension[14] = 0xFF
        #expect(Self.stamps(hugeExtension) == nil, "an extension longer than the packet")
    }

    @Test func runFiguresComeFromTheTally() {
        var t = MediaBenchTraffic.Tally()
        t.sent = 1000
        t.received = 990
        t.firstSend = 1_000_000_000
        t.lastReceive = 2_000_000_000
        for us in 1...990 { _ = t.latencyNanos.record(UInt64(us) * 1000) }
        let run = MediaBenchReport.Run(rate: "1000", tally: t, payloadSize: 1000, cpu: [("offer", 99_000_000)])
        #expect(run.loss_pct == 1)
        #expect(run.seconds == 1 && run.packets_per_s == 990)
        #expect(run.mb_per_s == 0.99)
        #expect(run.cpu_us_per_packet["offer"] == 100)
        #expect(run.cpu_pct["offer"] == 9.9)
        #expect(run.latency_us.max >= 989 && run.latency_us.max <= 991)
    }

    @Test func childProcessTalksOverItsPipesAndIsReaped() throws {
        let child = try ChildProcess(arguments: ["-c", "read line; echo \"got $line\"; echo second"], executable: "/bin/sh")
        child.write("hello\n")
        #expect(child.readLine() == "got hello")
        #expect(child.readLine() == "second")
        #expect(child.readLine() == nil)
        #expect(child.waitForExit(until: .after(10)))
        #expect(!child.isRunning)
    }

    @Test func childLinesFindsAMatchingJSONLine() throws {
        let child = try ChildProcess(arguments: ["-c", "echo noise; echo '{\"type\":\"a\"}'; echo '{\"type\":\"ready\",\"n\":1}'"],
                                     executable: "/bin/sh")
        let lines = ChildLines(child)
        let ready = lines.first(seconds: 10) { $0["type"]?.stringValue == "ready" }
        #expect(ready.flatMap { JSONValue.parseObject($0) }?["n"]?.intValue == 1)
        #expect(lines.first(seconds: 10) { $0["type"]?.stringValue == "ready" } == nil, "taken once; EOF ends the wait")
        child.waitUntilExit()
    }

    @Test func missingExecutableIsABenchError() {
        #expect(throws: BenchError.self) { try ChildProcess(arguments: [], executable: "/nonexistent/rtc") }
    }

    @Test func procFiguresOfThisProcess() throws {
        #expect(ProcStat.cpuNanoseconds(pid: getpid()) > 0)
        #expect(ProcStat.peakRSSMiB(pid: getpid()) > 0)
        #expect(ProcStat.loadAverage().count == 3)
        let fd = try LoopbackUDP.bound()
        defer { close(fd) }
        #expect(LoopbackUDP.port(of: fd) != 0)
    }

    @Test func reportTableListsEveryCase() {
        let report = BenchReport(
            setup_ms: 1.5,
            throughput: [.init(message_size: 1024, ordered: true, reliability: "reliable", bytes: 10, sent_bytes: 10,
                               seconds: 1, mb_per_s: 12.5),
                         .init(message_size: 65536, ordered: false, reliability: "rexmit-0", bytes: 9, sent_bytes: 10,
                               seconds: 1, mb_per_s: 3)],
            rtt_us: .init(p50: 100, p90: 200, p99: 300, max: 400),
            rtt_loaded_us: .init(p50: 500, p90: 600, p99: 700, max: 800), rtt_loaded_count: 9,
            cpu_s_per_gb: 2, peak_rss_mib: 16, processes: 1, delay_ms: 0, loss_pct: 0)
        let lines = report.table.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines[2] == "    1024 B ordered   reliable      12.50 MB/s  100.0 % delivered")
        #expect(lines[3] == "   65536 B unordered rexmit-0       3.00 MB/s   90.0 % delivered")
        #expect(lines[4] == "  rtt p50 100 µs  p90 200 µs  p99 300 µs  max 400 µs")
        #expect(lines[5] == "  loaded rtt p50 500 µs  p90 600 µs  p99 700 µs  max 800 µs  (9)")
    }

    @Test func throughputCasesNameTheirReliability() {
        #expect(BenchClient.ThroughputCase(messageSize: 1, ordered: true, maxRetransmits: nil).reliability == "reliable")
        #expect(BenchClient.ThroughputCase(messageSize: 1, ordered: true, maxRetransmits: 0).reliability == "rexmit-0")
    }
}

/// The bench's loopback peers (`rtc bench` and `rtc bench --serve` build theirs alike).
@Suite struct BenchLoopbackConfigurationTests {
    @Test func loopbackPeersStartWith512KiBBuffersAndTheImpairment() {
        let impairment = ImpairedTransport.Impairment(delay: .microseconds(25_000), loss: 0.01)
        let c = BenchOptions.loopbackConfiguration(iceHost: "127.0.0.2", impairment: impairment)
        #expect(c.iceHosts == [TransportAddress(host: "127.0.0.2", port: 0)!])
        #expect(c.sctpBufferSize == 512 << 10)
        #expect(c.impairment == impairment)
        #expect(BenchOptions.loopbackConfiguration(iceHost: "127.0.0.1", impairment: nil).impairment == nil)
    }
}
