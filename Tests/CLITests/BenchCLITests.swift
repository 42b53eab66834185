import Foundation
import Testing

/// `rtc bench` end to end: a short run must produce the documented report with real figures.
@Suite struct BenchCLITests {
    func report(_ extra: [String]) throws -> [String: Any] {
        let r = try CLI.run(["bench", "--size", "16384", "--bytes", "4000000", "--duration", "2",
                             "--rtt-count", "200", "--setup-runs", "2", "--json"] + extra, timeout: 120)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1, "stdout must be exactly one JSON line")
        return try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func check(_ object: [String: Any], processes: Int) throws {
        #expect(object["processes"] as? Int == processes)
        #expect(((object["setup_ms"] as? Double) ?? 0) > 0)
        let rtt = try #require(object["rtt_us"] as? [String: Double])
        #expect((rtt["p50"] ?? 0) > 0 && (rtt["p50"] ?? 0) <= (rtt["p99"] ?? 0) && (rtt["p99"] ?? 0) <= (rtt["max"] ?? 0))
        let cases = try #require(object["throughput"] as? [[String: Any]])
        #expect(cases.count == 3)
        for c in cases {
            #expect(c["message_size"] as? Int == 16384)
            #expect(((c["mb_per_s"] as? Double) ?? 0) > 0)
            if c["reliability"] as? String == "reliable" {
                // A reliable channel delivers every byte that was sent.
                #expect(c["bytes"] as? Int == c["sent_bytes"] as? Int)
                #expect(c["bytes"] as? Int == 4_000_000 - 4_000_000 % 16384 + (4_000_000 % 16384 == 0 ? 0 : 16384))
            }
        }
        #expect(((object["peak_rss_mib"] as? Double) ?? 0) > 1)
        #expect(((object["cpu_s_per_gb"] as? Double) ?? 0) > 0)
    }

    @Test func inProcessReport() throws {
        try check(try report([]), processes: 1)
    }

    @Test func twoProcessReport() throws {
        try check(try report(["--processes", "2"]), processes: 2)
    }

    /// The impairment stage really delays both ways (RTT ≥ 2 × 25 ms) and reliable data still
    /// arrives whole over the long path.
    @Test func delayedTwoProcessReport() throws {
        // Up to 10 s per case (the last --duration counts): slow start over 50 ms in a debug
        // build beside other suites may need more than 2 s for the 4 MB every case must carry.
        let object = try report(["--processes", "2", "--delay", "25", "--rtt-count", "20", "--duration", "10"])
        try check(object, processes: 2)
        #expect(object["delay_ms"] as? Double == 25)
        let rtt = try #require(object["rtt_us"] as? [String: Double])
        #expect((rtt["p50"] ?? 0) >= 50_000)
        // Pings on their own channel while the cases sent: at least one full round trip each.
        let loaded = try #require(object["rtt_loaded_us"] as? [String: Double])
        #expect(((object["rtt_loaded_count"] as? Int) ?? 0) > 0)
        #expect((loaded["p50"] ?? 0) >= 50_000 && (loaded["p50"] ?? 0) <= (loaded["max"] ?? 0))
    }

    @Test func rejectsOversizedMessages() throws {
        let r = try CLI.run(["bench", "--size", "300000"])
        #expect(r.status == 64)
    }
}
