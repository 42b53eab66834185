import Testing

@testable import RTCRTP
@testable import RTCMedia

@Suite struct MediaReorderTests {
    private func p(_ seq: UInt16) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: 0, ssrc: 1, payload: [UInt8(seq & 0xFF)])
    }

    private func seqs(_ packets: [RTPPacket]) -> [UInt16] { packets.map(\.sequenceNumber) }

    /// The first packets are held `maxDelay`, so one sent before the first to arrive still
    /// takes its place; the order survives the wrap at 2^16.
    @Test func reordersAcrossWrapFromTheStart() {
        var b = RTPReorderBuffer(capacity: 64, maxDelay: .milliseconds(50))
        var out: [RTPPacket] = []
        for s: UInt16 in [65534, 65533, 65535, 1, 0, 2] { out += b.insert(p(s), now: .ms(0)) }
        #expect(out.isEmpty && b.nextDeadline == .ms(50))
        #expect(b.release(now: .ms(49)).isEmpty)
        out = b.release(now: .ms(50))
        #expect(seqs(out) == [65533, 65534, 65535, 0, 1, 2])
        #expect(b.lostPackets == 0 && b.heldPackets == 0 && b.nextDeadline == nil)
        // Once released, in-order packets pass straight through.
        #expect(seqs(b.insert(p(3), now: .ms(51))) == [3])
        #expect(b.insert(p(5), now: .ms(52)).isEmpty)
        #expect(seqs(b.insert(p(4), now: .ms(53))) == [4, 5])
    }

    @Test func duplicatesAndLatePacketsAreDropped() {
        var b = RTPReorderBuffer(capacity: 64, maxDelay: .milliseconds(10))
        var out: [RTPPacket] = []
        for s: UInt16 in [10, 11, 11, 13, 13, 12, 10] { out += b.insert(p(s), now: .ms(0)) }
        out += b.release(now: .ms(10))
        #expect(seqs(out) == [10, 11, 12, 13])
        #expect(b.droppedPackets == 3)
        #expect(b.insert(p(9), now: .ms(11)).isEmpty && b.insert(p(13), now: .ms(11)).isEmpty)
        #expect(b.droppedPackets == 5)
    }

    /// A gap is waited for `maxDelay` after the first packet behind it arrived, then declared
    /// lost; a straggler arriving after that is dropped as late.
    @Test func gapDeclaredLostAfterDelay() {
        var b = RTPReorderBuffer(capacity: 64, maxDelay: .milliseconds(50))
        _ = b.insert(p(99), now: .ms(0))
        #expect(seqs(b.release(now: .ms(50))) == [99])
        #expect(seqs(b.insert(p(100), now: .ms(50))) == [100])
        #expect(b.insert(p(102), now: .ms(60)).isEmpty)
        #expect(b.insert(p(103), now: .ms(70)).isEmpty)
        #expect(b.missingSequenceNumbers == [101])
        #expect(b.nextDeadline == .ms(110))
        #expect(b.release(now: .ms(109)).isEmpty)
        #expect(seqs(b.release(now: .ms(110))) == [102, 103])
        #expect(b.lostPackets == 1)
        #expect(b.insert(p(101), now: .ms(111)).isEmpty)
        #expect(b.droppedPackets == 1)
    }

    /// Arrivals themselves release expired gaps (no separate timer call needed).
    @Test func insertReleasesExpiredGaps() {
        var b = RTPReorderBuffer(capacity: 64, maxDelay: .milliseconds(50))
        _ = b.insert(p(1), now: .ms(0))
        #expect(seqs(b.release(now: .ms(50))) == [1])
        _ = b.insert(p(3), now: .ms(50))
        #expect(seqs(b.insert(p(4), now: .ms(130))) == [3, 4])
    }

    /// Memory is bounded: a packet `capacity` ahead forces the oldest gaps out.
    @Test func capacityBoundsHeldPackets() {
        var b = RTPReorderBuffer(capacity: 8, maxDelay: .seconds(10))
        _ = b.insert(p(0), now: .ms(0))
        #expect(seqs(b.flushAll()) == [0])
        var out: [RTPPacket] = []
        for s: UInt16 in [2, 3, 5, 6, 7, 8] { out += b.insert(p(s), now: .ms(0)) }
        #expect(out.isEmpty && b.heldPackets == 6)
        out += b.insert(p(10), now: .ms(0))
        // 10 is 9 ahead of the gap at 1: that gap is given up (2 and 3 go); 10 is then 6 ahead
        // of the gap at 4, which fits, so that gap is still waited for.
        #expect(seqs(out) == [2, 3])
        #expect(b.heldPackets == 5)
        #expect(b.lostPackets == 1)
        #expect(b.missingSequenceNumbers == [4, 9])
    }

    /// A jump far ahead or far back (a restarted source) starts over there, held like a start.
    @Test func largeJumpResynchronizes() {
        var b = RTPReorderBuffer(capacity: 16, maxDelay: .milliseconds(10))
        _ = b.insert(p(5), now: .ms(0))
        #expect(seqs(b.insert(p(30000), now: .ms(1))) == [5])
        #expect(seqs(b.insert(p(30001), now: .ms(20))) == [30000, 30001])
        // One packet far behind is a late straggler, dropped; several in a row are a restart.
        #expect(b.insert(p(100), now: .ms(30)).isEmpty)
        #expect(b.droppedPackets == 1)
        for s: UInt16 in [101, 102, 103] { #expect(b.insert(p(s), now: .ms(30)).isEmpty) }
        #expect(seqs(b.release(now: .ms(40))) == [103])
        #expect(seqs(b.insert(p(104), now: .ms(41))) == [104])
        #expect(b.lostPackets == 0)
    }

    /// Assembler: reordered VP8 packets of several frames, one lost for good, driven by time.
    @Test func assemblerDropsLostFrameAndAsksForKeyframe() {
        var packetizer = RTPStreamPacketizer(
            codec: .vp8, ssrc: 9, initialSequenceNumber: 65530, timestampOffset: 0, maxPayloadSize: 500)
        let frames = MediaSamples.frames(.vp8, count: 6, keyEvery: 4, size: 1200)
        var packets = frames.flatMap { packetizer.packetize($0) }
        let lost = packets.remove(at: 4)  // inside frame 1
        #expect(lost.timestamp == frames[1].rtpTimestamp)
        packets.swapAt(6, 8)
        packets.swapAt(10, 11)
        var a = RTPFrameAssembler(codec: .vp8, capacity: 64, maxDelay: .milliseconds(40))
        var out: [MediaFrame] = []
        var t: UInt64 = 0
        for pk in packets {
            t += 1
            out += a.push(pk, now: .ms(t))
        }
        #expect(a.nextDeadline != nil)
        out += a.release(now: .ms(t + 40))
        #expect(a.lostPackets == 1)
        // Frame 0 (key); frames 1-3 lost or undecodable; frame 4 (key) and 5.
        #expect(out == [frames[0], frames[4], frames[5]])
        #expect(!a.needsKeyframe)
        #expect(a.droppedFrames == 3)
    }
}
