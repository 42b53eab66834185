import Testing

@testable import RTCRTP
@testable import RTCMedia

@Suite struct MediaVP8Tests {
    /// RFC 7741 §4.2: X=1, S=1, PID=0; I=1 with M=1, a 15-bit picture ID 0x1234.
    @Test func descriptorWithExtendedPictureID() throws {
        let bytes: [UInt8] = [0x90, 0x80, 0x92, 0x34, 0xAA]
        let (d, length) = try #require(VP8PayloadDescriptor.parse(bytes))
        #expect(length == 4)
        #expect(d.isStartOfFrame)
        #expect(d.pictureID == 0x1234)
        #expect(d.hasLongPictureID)
        #expect(d.tl0PictureIndex == nil && d.temporalLayer == nil && d.keyIndex == nil)
        #expect(d.serialized() == Array(bytes[0..<4]))
    }

    /// All optional fields: 7-bit picture ID 0x45, TL0PICIDX 0x56, TID 2 with Y, KEYIDX 3;
    /// N set, PID 2, S clear.
    @Test func descriptorWithAllFields() throws {
        let bytes: [UInt8] = [0xA2, 0xF0, 0x45, 0x56, 0xA3]
        let (d, length) = try #require(VP8PayloadDescriptor.parse(bytes))
        #expect(length == 5)
        #expect(d.isNonReference && !d.isStartOfPartition && d.partitionIndex == 2)
        #expect(d.pictureID == 0x45 && !d.hasLongPictureID)
        #expect(d.tl0PictureIndex == 0x56)
        #expect(d.temporalLayer == 2 && d.isLayerSync && d.keyIndex == 3)
        #expect(d.serialized() == bytes)
    }

    @Test func truncatedDescriptorIsRejected() {
        #expect(VP8PayloadDescriptor.parse([0x90, 0x80, 0x92]) == nil)
        #expect(VP8PayloadDescriptor.parse([0x80]) == nil)
        #expect(VP8PayloadDescriptor.parse([]) == nil)
    }

    @Test func keyframeHeaderGivesSize() throws {
        let h = try #require(VP8FrameHeader(MediaSamples.vp8(key: true, size: 100, seed: 1, width: 640, height: 360)))
        #expect(h.isKeyframe && h.width == 640 && h.height == 360)
        #expect(VP8FrameHeader(MediaSamples.vp8(key: false, size: 100, seed: 1))?.isKeyframe == false)
    }

    private func packet(_ seq: UInt16, ts: UInt32, marker: Bool, _ payload: [UInt8]) -> RTPPacket {
        RTPPacket(marker: marker, payloadType: 96, sequenceNumber: seq, timestamp: ts, ssrc: 1, payload: payload)
    }

    /// A key frame in three packets (only the first has S=1), then a delta frame.
    @Test func reassemblesFramesAndDetectsKeyframes() {
        var d = VP8Depacketizer()
        let key = MediaSamples.vp8(key: true, size: 30, seed: 2)
        var out: [MediaFrame] = []
        out += d.push(packet(10, ts: 900, marker: false, [0x90, 0x80, 0x80, 0x01] + key[0..<10]))
        out += d.push(packet(11, ts: 900, marker: false, [0x80, 0x80, 0x80, 0x01] + key[10..<20]))
        #expect(out.isEmpty)
        out += d.push(packet(12, ts: 900, marker: true, [0x80, 0x80, 0x80, 0x01] + key[20...]))
        let delta = MediaSamples.vp8(key: false, size: 8, seed: 3)
        out += d.push(packet(13, ts: 3900, marker: true, [0x10] + delta))
        #expect(
            out == [
                MediaFrame(data: key, rtpTimestamp: 900, isKeyframe: true),
                MediaFrame(data: delta, rtpTimestamp: 3900, isKeyframe: false),
            ])
        #expect(!d.needsKeyframe)
    }

    /// A lost middle packet drops its frame and the delta frames after it until a key frame;
    /// needsKeyframe asks for one meanwhile.
    @Test func lossInFrameDropsUntilKeyframe() {
        var d = VP8Depacketizer()
        let key = MediaSamples.vp8(key: true, size: 20, seed: 4)
        #expect(d.push(packet(1, ts: 0, marker: true, [0x10] + key)).count == 1)
        // Delta frame in 3 packets, the middle one lost.
        let delta = MediaSamples.vp8(key: false, size: 30, seed: 5)
        #expect(d.push(packet(2, ts: 3000, marker: false, [0x10] + delta[0..<10])).isEmpty)
        #expect(d.push(packet(4, ts: 3000, marker: true, [0x00] + delta[20...])).isEmpty)
        #expect(d.needsKeyframe)
        // The next delta frame is whole, but it references the lost one.
        #expect(d.push(packet(5, ts: 6000, marker: true, [0x10] + delta)).isEmpty)
        #expect(d.needsKeyframe)
        let key2 = MediaSamples.vp8(key: true, size: 20, seed: 6)
        #expect(
            d.push(packet(6, ts: 9000, marker: true, [0x10] + key2)) == [
                MediaFrame(data: key2, rtpTimestamp: 9000, isKeyframe: true)
            ])
        #expect(!d.needsKeyframe)
        #expect(d.droppedFrames == 2)
    }

    /// Losing a frame's first packet: what follows with its timestamp is not a frame.
    @Test func lossOfFirstPacketDropsFrame() {
        var d = VP8Depacketizer()
        let key = MediaSamples.vp8(key: true, size: 20, seed: 7)
        _ = d.push(packet(1, ts: 0, marker: true, [0x10] + key))
        #expect(d.push(packet(3, ts: 3000, marker: true, [0x00] + key[10...])).isEmpty)
        #expect(d.needsKeyframe && d.droppedFrames == 1)
    }

    /// A stream joined mid-way drops delta frames and asks for a key frame.
    @Test func startsAtKeyframe() {
        var d = VP8Depacketizer()
        #expect(!d.needsKeyframe)
        #expect(d.push(packet(1, ts: 0, marker: true, [0x10] + MediaSamples.vp8(key: false, size: 9, seed: 8))).isEmpty)
        #expect(d.needsKeyframe)
    }

    /// Fed directly (no reorder buffer), a duplicate or stale packet is ignored, not a loss.
    @Test func duplicatePacketIsIgnored() {
        var d = VP8Depacketizer()
        let key = MediaSamples.vp8(key: true, size: 20, seed: 9)
        let first = packet(1, ts: 0, marker: false, [0x10] + key[0..<10])
        var out = d.push(first) + d.push(first)
        out += d.push(packet(2, ts: 0, marker: true, [0x00] + key[10...]))
        out += d.push(packet(1, ts: 0, marker: false, [0x10] + key[0..<10]))
        #expect(out == [MediaFrame(data: key, rtpTimestamp: 0, isKeyframe: true)])
        #expect(d.droppedFrames == 0 && !d.needsKeyframe)
    }
}
