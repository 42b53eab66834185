import Foundation
import Testing
@testable import RTCSCTP
import RTCCore
import RTCTestSupport

@Suite struct SCTPMinimumRTOTests {
    @Test func minimumRTOIsTwentyRoundTripsBetween200msAnd1s() {
        #expect(SCTPLibrary.minimumRTO(srtt: 0) == 200)
        #expect(SCTPLibrary.minimumRTO(srtt: 1) == 200)
        #expect(SCTPLibrary.minimumRTO(srtt: 10) == 200)
        #expect(SCTPLibrary.minimumRTO(srtt: 11) == 220)
        #expect(SCTPLibrary.minimumRTO(srtt: 30) == 600)
        #expect(SCTPLibrary.minimumRTO(srtt: 50) == 1000)
        #expect(SCTPLibrary.minimumRTO(srtt: 52) == 1000)
        #expect(SCTPLibrary.minimumRTO(srtt: .max) == 1000)
    }
}

extension USRSCTPSuites {
    /// Associations raise their RTO.min and grow their buffers on long paths
    /// (`SCTPAssociation.adaptToPath`). usrsctp measures RTT with gettimeofday, so this needs a
    /// real loop and a link with real delay.
    @Suite struct SCTPPathAdaptationTests {
        // @unchecked Sendable is safe: `p` is used only on the loop (`real.sync` bodies and loop callbacks).
        final class Run: @unchecked Sendable {
            let real = RealLoop()
            var p: SCTPPair!

            init(delay: Duration) throws {
                try real.sync { [self] in
                    p = SCTPPair(loop: real.loop)
                    p.link.delay = delay
                    _ = try p.connect()
                }
                let pair = p!
                let connected = real.wait(until: { pair.a.state == .connected && pair.b.state == .connected })
                #expect(connected)
            }

            /// Sends a few messages each way, one per 100 ms, so both ends take RTT samples.
            func exchange(count: Int) throws {
                for i in 0..<count {
                    try real.sync { [self] in
                        try p.a.send(testPayload(100, seed: UInt8(i)), stream: 1, ppid: 53)
                        try p.b.send(testPayload(100, seed: UInt8(i)), stream: 1, ppid: 53)
                    }
                    usleep(100_000)
                }
            }

            func stop() { real.stop { [self] in p.tearDown() } }
        }

        @Test func aFiftyMillisecondPathGetsAOneSecondMinimumAndBufferForItsBandwidthDelayProduct() throws {
            let r = try Run(delay: .milliseconds(25))
            defer { r.stop() }
            let initial: [Int] = try r.real.sync { [Int(r.p.a.minimumRTO), r.p.a.sendBufferSize, r.p.a.receiveBufferSize] }
            #expect(initial == [200, 1 << 20, 1 << 20])
            try r.exchange(count: 5)
            let p = r.p!
            let raised = r.real.wait(until: { p.a.minimumRTO == 1000 && p.b.minimumRTO == 1000 }, timeout: .seconds(10))
            #expect(raised)
            // Receive: 250 MB/s × SRTT (at least 50 ms here), below the 16 MiB cap. Send: the
            // congestion window of an idle path is small, so it keeps its initial size.
            let buffers: [Int] = try r.real.sync { [p.a.receiveBufferSize, p.b.receiveBufferSize] }
            for b in buffers { #expect(b >= 12_500_000 && b <= 16 << 20, "buffer \(b)") }
            let sendBuffers: [Int] = try r.real.sync { [p.a.sendBufferSize, p.b.sendBufferSize] }
            #expect(sendBuffers == [1 << 20, 1 << 20])
            let onSocket: Int = try r.real.sync { p.a.socketReceiveBufferSize }
            #expect(onSocket == p.a.receiveBufferSize)
        }

        /// Keeps 2 MiB of 64 KiB messages queued on stream 1 of `a` for `seconds`; returns the
        /// largest send buffer `a` had meanwhile.
        private func bulk(_ r: Run, seconds: Double) throws -> Int {
            let p = r.p!
            var largest = 0
            let end = Deadline.after(seconds)
            while !end.hasPassed {
                largest = max(largest, try r.real.sync {
                    while p.a.bufferedAmount < 2 << 20 { try p.a.send(testPayload(65536, seed: 3), stream: 1, ppid: 53) }
                    return p.a.sendBufferSize
                })
                usleep(20_000)
            }
            return largest
        }

        @Test func aLossyLongPathKeepsItsSendBufferNearTheCongestionWindow() throws {
            let r = try Run(delay: .milliseconds(25))
            defer { r.stop() }
            try r.real.sync { r.p.link.lossRate = 0.01 }
            let largest = try bulk(r, seconds: 3)
            // 1% loss holds cwnd to tens of KB, so 2.5 windows stay at the 1 MiB it started
            // with. The bandwidth-delay rule alone gave 12.5 MB+ (a ~40 s queue at this rate).
            #expect(largest < 4 << 20, "largest send buffer \(largest)")
            // And the backlog waits in our queue, where another stream's message passes it.
            let ping: Int = try r.real.sync {
                try r.p.a.send(testPayload(100, seed: 9), stream: 2, ppid: 53)
                return r.p.receivedByB.count
            }
            let p = r.p!
            let passed = r.real.wait(until: { p.receivedByB.dropFirst(ping).contains { $0.streamId == 2 } },
                                     timeout: .seconds(5))
            #expect(passed, "a 100-byte message on stream 2 waited behind stream 1's 2 MiB backlog")
        }

        @Test func aFastPathNeverGetsALongPathsSettings() throws {
            let r = try Run(delay: .zero)
            defer { r.stop() }
            try r.exchange(count: 5)
            // Five checks (one per 250 ms) have run by now. usrsctp's RTT comes from the wall
            // clock, so a loaded machine's scheduling shows up in it (SRTT 19 ms gave 380 ms in
            // a full run beside a sanitizer build): the claim is that a path with no delay never
            // gets a long path's settings (1 s, 12.5 MB; SCTPMinimumRTOTests has the exact policy).
            usleep(1_300_000)
            let minimums: [UInt32] = try r.real.sync { [r.p.a.minimumRTO, r.p.b.minimumRTO] }
            for m in minimums { #expect(m >= 200 && m < 1000, "RTO.min \(m)") }
            let buffers: [Int] = try r.real.sync { [r.p.a.sendBufferSize, r.p.b.receiveBufferSize] }
            for b in buffers { #expect(b >= 1 << 20 && b < 12_500_000, "buffer \(b)") }
            let received: Int = try r.real.sync { r.p.receivedByB.count }
            #expect(received == 5)
        }
    }
}
