import Foundation
import Testing

/// `rtc bench --media` end to end: RTP through two real rtc processes, every packet accounted for.
@Suite struct MediaBenchCLITests {
    @Test func reportCountsEveryPacketOfAPacedRun() throws {
        let r = try CLI.run(["bench", "--media", "--rate", "2000", "--rate", "max", "--duration", "0.5", "--json"],
                            timeout: 120)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 1, "stdout must be exactly one JSON line")
        let object = try #require(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(object["relay"] as? String == "rtc")
        #expect(object["payload_bytes"] as? Int == 1200)
        let rss = try #require(object["peak_rss_mib"] as? [String: Double])
        #expect((rss["offer"] ?? 0) > 1 && (rss["answer"] ?? 0) > 1)
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.map { $0["rate"] as? String } == ["2000", "max"])
        for run in runs {
            let sent = try #require(run["packets_sent"] as? Int)
            let received = try #require(run["packets_received"] as? Int)
            #expect(sent > 0 && received > 0 && received <= sent)
            #expect(((run["packets_per_s"] as? Double) ?? 0) > 0)
            let latency = try #require(run["latency_us"] as? [String: Double])
            #expect((latency["p50"] ?? 0) > 0 && (latency["p50"] ?? 0) <= (latency["p99"] ?? 0))
            #expect((latency["p99"] ?? 0) <= (latency["max"] ?? 0))
            let cpu = try #require(run["cpu_us_per_packet"] as? [String: Double])
            #expect((cpu["offer"] ?? 0) > 0 && (cpu["answer"] ?? 0) > 0)
        }
        // Paced: 1,000 packets on loopback, well inside every socket buffer; rtc forwards each.
        #expect(runs[0]["packets_sent"] as? Int == 1000)
        #expect(runs[0]["packets_received"] as? Int == 1000)
        #expect(runs[0]["duplicates"] as? Int == 0)
    }

    @Test func rejectsABadRate() throws {
        let r = try CLI.run(["bench", "--media", "--rate", "fast"])
        #expect(r.status == 64)
    }

    /// A relay that exits without its ready line is a one-line runtime failure, not a hang.
    @Test func relayThatNeverGetsReadyFails() throws {
        let r = try CLI.run(["bench", "--media", "--relay-command", "exit 0"], timeout: 60)
        #expect(r.status == 1)
        #expect(r.stderr.contains("ready line"))
    }
}
