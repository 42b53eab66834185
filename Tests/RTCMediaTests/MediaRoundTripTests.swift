import Testing

@testable import RTCCore
@testable import RTCMedia

/// Packetize → (reorder) → depacketize gives back the frames, for every codec.
@Suite struct MediaRoundTripTests {
    static let codecs: [MediaCodec] = [.vp8, .vp9, .h264, .av1, .opus, .pcmu, .pcma]

    @Test(arguments: codecs)
    func roundTripAcrossSequenceWrap(codec: MediaCodec) {
        let frames = MediaSamples.frames(codec, count: 40)
        var packetizer = RTPStreamPacketizer(
            codec: codec, ssrc: 0x1234, initialSequenceNumber: 65500, timestampOffset: 0xFFFF_0000)
        let packets = frames.flatMap { packetizer.packetize($0) }
        #expect(packets.allSatisfy { $0.payload.count <= MediaCodec.defaultMaxPayloadSize })
        #expect(packets.count > 40 || codec.kind == .audio)
        // The sequence wraps inside the run.
        #expect(packets.contains { $0.sequenceNumber == 65535 } && packets.contains { $0.sequenceNumber == 0 })
        var d = codec.makeDepacketizer()
        var out: [MediaFrame] = []
        for p in packets { out += d.push(p) }
        #expect(out.count == frames.count)
        for (got, sent) in zip(out, frames) {
            #expect(got.data == sent.data)
            #expect(got.rtpTimestamp == sent.rtpTimestamp &+ 0xFFFF_0000)
            #expect(got.isKeyframe == sent.isKeyframe)
        }
        #expect(d.droppedFrames == 0 && !d.needsKeyframe)
    }

    /// Packets shuffled within a window of 8 and some duplicated: the assembler restores them.
    @Test(arguments: codecs)
    func roundTripWithReorderingAndDuplicates(codec: MediaCodec) {
        let frames = MediaSamples.frames(codec, count: 30)
        var packetizer = RTPStreamPacketizer(codec: codec, ssrc: 7, initialSequenceNumber: 65000, timestampOffset: 0)
        var packets = frames.flatMap { packetizer.packetize($0) }
        var rng = SplitMix64(seed: 99)
        var i = 0
        while i + 8 <= packets.count {
            packets[i..<i + 8].shuffle(using: &rng)
            i += 8
        }
        packets.insert(packets[5], at: 9)
        packets.append(packets[3])
        var a = RTPFrameAssembler(codec: codec, capacity: 32, maxDelay: .milliseconds(100))
        var out: [MediaFrame] = []
        for (n, p) in packets.enumerated() { out += a.push(p, now: .ms(UInt64(n))) }
        out += a.flush()
        #expect(out == frames)
        #expect(a.lostPackets == 0)
        #expect(a.droppedPackets == 2)
    }

    /// A smaller MTU still respects the budget for the video codecs.
    @Test(arguments: [MediaCodec.vp8, .vp9, .h264, .av1])
    func smallBudget(codec: MediaCodec) {
        let frames = MediaSamples.frames(codec, count: 5, size: 5000)
        var packetizer = RTPStreamPacketizer(
            codec: codec, ssrc: 7, initialSequenceNumber: 1, timestampOffset: 0, maxPayloadSize: 300)
        let packets = frames.flatMap { packetizer.packetize($0) }
        #expect(packets.allSatisfy { $0.payload.count <= 300 })
        #expect(packets.filter(\.marker).count == frames.count)
        var d = codec.makeDepacketizer()
        #expect(packets.flatMap { d.push($0) } == frames)
    }
}
