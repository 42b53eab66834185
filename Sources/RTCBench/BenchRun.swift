import FoundationEssentials
import RTC

extension BenchOptions {
    /// Loopback peers on `iceHost`, impaired as asked, with SCTP buffers starting at 512 KiB.
    public static func loopbackConfiguration(iceHost: String,
                                             impairment: ImpairedTransport.Impairment?) -> PeerConnection.Configuration {
        var c = PeerConnection.Configuration()
        c.iceHosts = TransportAddress(host: iceHost, port: 0).map { [$0] }
        c.impairment = impairment
        // 512 KiB to start (twice the largest message): on loopback (RTT ~50 µs) it moves as much
        // as 1 MiB, while usrsctp holds ~1.8 bytes of mbufs per buffered byte (1 MiB: +0.9 MiB
        // RSS); 256 KiB cost 256 KiB messages 40% of their throughput. With --delay the
        // association grows its buffers to 1.25 × 250 MB/s × the measured round trip by itself.
        c.sctpBufferSize = 512 << 10
        return c
    }
}

/// One `rtc bench` run: the data-channel bench (`BenchProcess`) or the media bench (`MediaBench`).
public enum BenchRun {
    /// Runs the bench `options` describe and returns its report as one JSON object (sorted
    /// keys) and as a table for people.
    public static func run(_ options: BenchOptions, media: Bool) throws -> (json: String, table: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data, table: String
        if media {
            let report = try MediaBench.run(options)
            (data, table) = (try encoder.encode(report), report.table)
        } else {
            let report = try BenchProcess.run(options)
            (data, table) = (try encoder.encode(report), report.table)
        }
        return (String(decoding: data, as: UTF8.self), table)
    }
}
