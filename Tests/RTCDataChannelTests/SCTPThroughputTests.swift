import Foundation
import Testing
@testable import RTCCore
@testable import RTCSCTP
@testable import RTCDataChannel
import RTCTestSupport

extension USRSCTPSuites {
    /// Throughput of 64 KiB data channel messages through two associations in one process, over a
    /// MemoryLink on one PollEventLoop. A measurement, not a unit test: runs only with
    /// `RTC_SCTP_BENCH=1` (size in MiB via `RTC_SCTP_BENCH_MB`, default 256), in a release build:
    ///
    ///     RTC_SCTP_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter SCTPThroughput
    ///
    /// `RTC_SCTP_VERIFY_CRC=1` turns CRC32c offload off (incoming checksums verified) to compare.
    @Suite struct SCTPThroughputTests {
        @Test(.enabled(if: ProcessInfo.processInfo.environment["RTC_SCTP_BENCH"] != nil))
        func throughputOf64KiBMessages() throws {
            let env = ProcessInfo.processInfo.environment
            let megabytes = Int(env["RTC_SCTP_BENCH_MB"] ?? "") ?? 256
            let messageSize = 64 * 1024
            let count = megabytes * 1024 * 1024 / messageSize
            let real = RealLoop()
            // @unchecked Sendable is safe: used only on the loop thread (in `real.sync` bodies and loop callbacks).
            final class State: @unchecked Sendable {
                var p: DataChannelPair!
                var channel: DataChannel!
                var sent = 0
                var receivedBytes = 0
                var receivedCount = 0
                var start: LoopInstant?
                var end: LoopInstant?
            }
            let s = State()
            let payload = testPayload(messageSize)
            try real.sync {
                s.p = DataChannelPair(seed: 1, loop: real.loop)
                s.p.server.onDataChannel = { c in
                    c.onMessage = { m in
                        if case .binary(let b) = m { s.receivedBytes += b.count }
                        s.receivedCount += 1
                        if s.receivedCount == count { s.end = real.loop.now }
                    }
                }
                _ = try s.p.connect()
                s.channel = try s.p.client.createDataChannel(label: "bench")
            }
            #expect(real.wait(until: { s.channel.readyState == .open }))
            try real.sync {
                let c = s.channel!
                c.bufferedAmountLowThreshold = 512 * 1024
                func pump() {
                    while s.sent < count && c.bufferedAmount <= 1 << 20 {
                        try? c.send(binary: payload)
                        s.sent += 1
                    }
                }
                c.onBufferedAmountLow = pump
                s.start = real.loop.now
                pump()
            }
            #expect(real.wait(until: { s.end != nil }, timeout: .seconds(300)))
            let (bytes, seconds, packets) = try real.sync {
                (s.receivedBytes, s.end!.since(s.start!).seconds, s.p.sctp.link.a.sentCount)
            }
            let mbps = Double(bytes) / seconds / 1e6
            print(String(format: "SCTP throughput: %d x 64 KiB in %.2f s = %.1f MB/s (%d packets, crc offload %@)",
                         count, seconds, mbps, packets, SCTPLibrary.crcOffload ? "on" : "off"))
            #expect(bytes == count * messageSize)
            real.stop { s.p.sctp.tearDown() }
        }
    }
}
