import Testing
import RTC
@testable import RTCBench

/// The whole in-process bench on loopback, small: every reliable byte is counted by the receiver.
/// Figures are not asserted (performance is measured, never asserted in unit tests).
@Suite struct BenchProcessTests {
    @Test func everyReliableByteArrivesAndEveryCaseIsReported() throws {
        var o = BenchOptions()
        o.sizes = [1024, 16384]
        o.bytes = 256 << 10
        o.duration = 30
        o.rttCount = 20
        o.setupRuns = 2
        o.loadedRTT = true
        var c = PeerConnection.Configuration()
        c.iceHosts = [TransportAddress(host: "127.0.0.1", port: 0)!]
        o.configuration = c
        let report = try BenchProcess.run(o)
        #expect(report.throughput.map(\.message_size) == [1024, 1024, 1024, 16384, 16384, 16384])
        #expect(report.throughput.map(\.reliability) == ["reliable", "reliable", "rexmit-0", "reliable", "reliable", "rexmit-0"])
        #expect(report.throughput.map(\.ordered) == [true, false, true, true, false, true])
        for t in report.throughput where t.reliability == "reliable" {
            #expect(t.sent_bytes == 256 << 10 && t.bytes == t.sent_bytes, "\(t)")
        }
        for t in report.throughput { #expect(t.bytes <= t.sent_bytes && t.seconds > 0) }
        #expect(report.rtt_us.p50 > 0 && report.rtt_us.p50 <= report.rtt_us.max)
        #expect(report.rtt_loaded_count > 0 && report.rtt_loaded_us.p50 > 0)
        #expect(report.setup_ms > 0 && report.processes == 1)
    }
}
