import Testing

@testable import RTCCore
@testable import RTCRTP

@Suite struct RTPNACKGeneratorTests {
    static let t0 = LoopInstant(nanoseconds: 7_000_000_000)
    static let rtt: Duration = .milliseconds(40)

    @Test func nacksGapThenRetriesEveryRTTUntilRecovered() {
        var g = NACKGenerator()
        for seq: UInt16 in [1, 2, 5] { g.received(seq, at: Self.t0) }
        #expect(g.missingSequenceNumbers == [3, 4])
        let nack1 = g.sequenceNumbersToNACK(at: Self.t0, roundTripTime: Self.rtt)
        #expect(nack1 == [3, 4])
        let nack2 = g.sequenceNumbersToNACK(at: Self.t0 + .milliseconds(39), roundTripTime: Self.rtt)
        #expect(nack2.isEmpty)
        #expect(g.nextDeadline(roundTripTime: Self.rtt) == Self.t0 + Self.rtt)
        g.received(3, at: Self.t0 + .milliseconds(39))
        let nack3 = g.sequenceNumbersToNACK(at: Self.t0 + Self.rtt, roundTripTime: Self.rtt)
        #expect(nack3 == [4])
        #expect(g.recovered == 1 && g.givenUp == 0)
        g.received(4, at: Self.t0 + .milliseconds(50))
        #expect(g.missingSequenceNumbers.isEmpty && g.nextDeadline(roundTripTime: Self.rtt) == nil)
    }

    @Test func wrapsAroundSequenceSpace() {
        var g = NACKGenerator()
        for seq: UInt16 in [65533, 65534, 1] { g.received(seq, at: Self.t0) }
        let nack4 = g.sequenceNumbersToNACK(at: Self.t0, roundTripTime: nil)
        #expect(nack4 == [65535, 0])
    }

    @Test func reorderedPacketWithinDelayIsNeverNACKed() {
        var g = NACKGenerator(reorderDelay: .milliseconds(10))
        g.received(10, at: Self.t0)
        g.received(12, at: Self.t0)
        let nack5 = g.sequenceNumbersToNACK(at: Self.t0 + .milliseconds(5), roundTripTime: Self.rtt)
        #expect(nack5.isEmpty)
        #expect(g.nextDeadline(roundTripTime: Self.rtt) == Self.t0 + .milliseconds(10))
        g.received(11, at: Self.t0 + .milliseconds(6))
        let nack6 = g.sequenceNumbersToNACK(at: Self.t0 + .milliseconds(20), roundTripTime: Self.rtt)
        #expect(nack6.isEmpty)
        // A real gap is NACKed once the delay has passed.
        g.received(14, at: Self.t0 + .milliseconds(20))
        let nack7 = g.sequenceNumbersToNACK(at: Self.t0 + .milliseconds(30), roundTripTime: Self.rtt)
        #expect(nack7 == [13])
    }

    @Test func givesUpAfterMaxRetries() {
        var g = NACKGenerator(maxRetries: 3, maxAge: .seconds(10))
        g.received(1, at: Self.t0)
        g.received(3, at: Self.t0)
        var sent = 0
        var now = Self.t0
        for _ in 0..<10 {
            sent += g.sequenceNumbersToNACK(at: now, roundTripTime: Self.rtt).count
            now = now + Self.rtt
        }
        #expect(sent == 3 && g.givenUp == 1 && g.missingSequenceNumbers.isEmpty)
        let requested = g.takeKeyframeRequest()
        #expect(requested && !g.keyframeNeeded)
    }

    @Test func givesUpAfterMaxAge() {
        var g = NACKGenerator(maxRetries: 100, maxAge: .milliseconds(300))
        g.received(1, at: Self.t0)
        g.received(3, at: Self.t0)
        var sent = 0
        var now = Self.t0
        while now < Self.t0 + .seconds(1) {
            sent += g.sequenceNumbersToNACK(at: now, roundTripTime: .milliseconds(1)).count
            now = now + .milliseconds(1)
        }
        // Spaced by the 5 ms floor, within 300 ms: 61 sends (at 0, 5, …, 300 ms).
        #expect(sent == 300 / 5 + 1 && g.givenUp == 1)
    }

    @Test func largeJumpResetsInsteadOfNACKingThousands() {
        var g = NACKGenerator(resetJump: 3000)
        g.received(100, at: Self.t0)
        g.received(102, at: Self.t0)
        g.received(40_000, at: Self.t0)
        #expect(g.missingSequenceNumbers.isEmpty)
        g.received(40_002, at: Self.t0)
        #expect(g.missingSequenceNumbers == [40_001])
        g.received(10, at: Self.t0)  // far behind: a restart too
        #expect(g.missingSequenceNumbers.isEmpty)
    }

    @Test func memoryIsBounded() {
        var g = NACKGenerator(maxMissing: 1000)
        g.received(0, at: Self.t0)
        g.received(2501, at: Self.t0)
        #expect(g.missingSequenceNumbers.count == 1000 && g.missingSequenceNumbers.first == 1501)
        #expect(g.givenUp == 1500 && g.keyframeNeeded)
        // Gaps keep coming: the oldest give way, the count stays at the bound.
        for i in 1...50 { g.received(UInt16(2501 + 2 * i), at: Self.t0) }
        #expect(g.missingSequenceNumbers.count == 1000 && g.missingSequenceNumbers.last == 2600)
        #expect(g.givenUp == 1550)
    }
}
