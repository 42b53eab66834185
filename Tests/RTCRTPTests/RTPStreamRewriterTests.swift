import Testing

@testable import RTCCore
@testable import RTCRTP

@Suite struct RTPStreamRewriterTests {
    static let t0 = LoopInstant(nanoseconds: 3_000_000_000)

    /// A source like `ffmpeg -f rtp` at 30 fps: random SSRC, sequence and timestamp start,
    /// PT 96, 2 packets per frame.
    struct Source {
        var ssrc: UInt32
        var seq: UInt16
        var ts: UInt32

        init(_ rng: inout SplitMix64) {
            ssrc = UInt32(truncatingIfNeeded: rng.next())
            seq = UInt16(truncatingIfNeeded: rng.next())
            ts = UInt32(truncatingIfNeeded: rng.next())
        }

        mutating func frame() -> [RTPPacket] {
            defer {
                seq &+= 2
                ts &+= 3000
            }
            var ext = RTPPacket.HeaderExtension(profile: 0xBEDE, data: [0x10, 0xAA, 0, 0])
            ext.data[1] = UInt8(truncatingIfNeeded: seq)
            return [
                RTPPacket(
                    payloadType: 96, sequenceNumber: seq, timestamp: ts, ssrc: ssrc, headerExtension: ext,
                    payload: [1]),
                RTPPacket(
                    marker: true, payloadType: 96, sequenceNumber: seq &+ 1, timestamp: ts, ssrc: ssrc, payload: [2]),
            ]
        }
    }

    static func make(_ rng: inout SplitMix64) -> RTPStreamRewriter {
        RTPStreamRewriter(
            ssrc: 0x1234_5678, payloadType: 102, clockRate: 90_000,
            initialSequenceNumber: UInt16(truncatingIfNeeded: rng.next()),
            initialTimestamp: UInt32(truncatingIfNeeded: rng.next()))
    }

    /// Checks the output is one stream: our SSRC/PT, sequence +1 each packet, timestamps
    /// never going back and one per frame.
    static func expectContinuous(_ out: [RTPPacket]) {
        for (a, b) in zip(out, out.dropFirst()) {
            #expect(b.sequenceNumber == a.sequenceNumber &+ 1)
            #expect(Int32(bitPattern: b.timestamp &- a.timestamp) >= 0)
        }
        #expect(out.allSatisfy { $0.ssrc == 0x1234_5678 && $0.payloadType == 102 && $0.headerExtension == nil })
    }

    @Test(arguments: [UInt64(1), 2, 3, 4]) func sourceRestartsWithNewSSRC(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var r = Self.make(&rng)
        var out: [RTPPacket] = []
        var now = Self.t0
        var source = Source(&rng)
        for _ in 0..<100 {
            out += source.frame().compactMap { r.rewrite($0, at: now) }
            now = now + .milliseconds(33)
        }
        let beforeStop = try #require(out.last)
        // ffmpeg is stopped for 2 s and started again: new random SSRC, sequence and timestamp.
        now = now + .seconds(2)
        source = Source(&rng)
        for _ in 0..<100 {
            out += source.frame().compactMap { r.rewrite($0, at: now) }
            now = now + .milliseconds(33)
        }
        #expect(out.count == 400 && r.restarts == 1)
        Self.expectContinuous(out)
        // The timestamp gap at the restart is the wall-clock gap: 2.033 s of 90 kHz.
        let gap = out[200].timestamp &- beforeStop.timestamp
        #expect(gap == RTPClock.units(.milliseconds(2033), rate: 90_000))
        #expect(out[200].payload == [1] && out[201].marker)
    }

    @Test func sameSSRCRestartBySequenceOrTimestampJump() {
        var rng = SplitMix64(seed: 9)
        var r = Self.make(&rng)
        var source = Source(&rng)
        var out: [RTPPacket] = []
        var now = Self.t0
        for round in 0..<3 {
            for _ in 0..<30 {
                out += source.frame().compactMap { r.rewrite($0, at: now) }
                now = now + .milliseconds(33)
            }
            if round == 0 { source.seq &+= 20_000 } else { source.ts &+= 90_000 * 60 }
        }
        #expect(out.count == 180 && r.restarts == 2)
        Self.expectContinuous(out)
    }

    @Test func reorderAndLossPassThroughWithinARun() {
        var rng = SplitMix64(seed: 5)
        var r = Self.make(&rng)
        let input: [UInt16] = [100, 101, 103, 102, 106, 105]
        let out = input.compactMap {
            r.rewrite(
                RTPPacket(payloadType: 96, sequenceNumber: $0, timestamp: UInt32($0) * 10, ssrc: 1, payload: []),
                at: Self.t0)
        }
        let base = out[0].sequenceNumber
        #expect(out.map { $0.sequenceNumber &- base } == input.map { $0 - 100 })
        #expect(out.map { $0.timestamp &- out[0].timestamp } == input.map { UInt32($0 - 100) * 10 })
        #expect(r.restarts == 0)
    }

    @Test func stragglersOfTheReplacedSourceAreDropped() throws {
        var rng = SplitMix64(seed: 6)
        var r = Self.make(&rng)
        let a = RTPPacket(payloadType: 96, sequenceNumber: 10, timestamp: 0, ssrc: 0xA, payload: [])
        let b = RTPPacket(payloadType: 96, sequenceNumber: 500, timestamp: 7, ssrc: 0xB, payload: [])
        let start = r.rewrite(a, at: Self.t0)
        #expect(start != nil)
        let switched = r.rewrite(b, at: Self.t0 + .milliseconds(10))
        let first = try #require(switched)
        var late = a
        late.sequenceNumber = 11
        let straggler = r.rewrite(late, at: Self.t0 + .milliseconds(20))
        #expect(straggler == nil)
        var next = b
        next.sequenceNumber = 501
        let following = r.rewrite(next, at: Self.t0 + .milliseconds(30))
        #expect(following?.sequenceNumber == first.sequenceNumber &+ 1)
        // Long after, the old SSRC is a source again.
        let returned = r.rewrite(late, at: Self.t0 + .seconds(5))
        #expect(returned?.sequenceNumber == first.sequenceNumber &+ 2)
    }
}

extension RTPStreamRewriterTests {
    /// The in-place rewrite (the forwarding path's) makes the same packets as the `RTPPacket`
    /// one through restarts, CSRCs and padding, and drops the header extension.
    @Test(arguments: [UInt64(1), 2, 3]) func wireRewriteMatchesPacketRewrite(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var byPacket = Self.make(&rng)
        var byWire = byPacket
        var output: [UInt8] = []
        var now = Self.t0
        var source = Source(&rng)
        var compared = 0
        for round in 0..<4 {
            for _ in 0..<50 {
                for var p in source.frame() {
                    if rng.next() % 3 == 0 { p.csrcs = [UInt32(truncatingIfNeeded: rng.next())] }
                    if rng.next() % 4 == 0 { p.paddingLength = UInt8(1 + rng.next() % 8) }
                    let bytes = p.serialized()
                    let expected = byPacket.rewrite(p, at: now)
                    let kept = try bytes.withUnsafeBytes { raw in
                        let header = try #require(RTPHeaderView(parsing: raw))
                        return byWire.rewrite(raw, header: header, at: now, into: &output)
                    }
                    #expect(kept == (expected != nil))
                    if let expected {
                        #expect(try RTPPacket(parsing: output) == expected)
                        compared += 1
                    }
                }
                now = now + .milliseconds(33)
            }
            // Restarts: a new source (new SSRC), then a sequence jump, then a new source again.
            if round % 2 == 0 { source = Source(&rng) } else { source.seq &+= 20_000 }
        }
        #expect(compared == 400 && byWire.restarts == byPacket.restarts && byWire.restarts == 3)
    }
}
