import Testing

@testable import RTCRTP
@testable import RTCMedia

@Suite struct MediaVP9Tests {
    /// RFC 9628 §4.2, non-flexible mode: I (15-bit picture ID 0x0102), L (TID 1, U, SID 0, D 0)
    /// with TL0PICIDX 7, B and E, and an SS (§4.2.1): one spatial layer of 640x360 and a
    /// picture group of one picture (TID 0, one reference, P_DIFF 1).
    @Test func nonFlexibleDescriptorWithScalabilityStructure() throws {
        let bytes: [UInt8] = [
            0xAE, 0x81, 0x02, 0x30, 0x07,
            0x18, 0x02, 0x80, 0x01, 0x68, 0x01, 0x04, 0x01,
        ]
        let (d, length) = try #require(VP9PayloadDescriptor.parse(bytes + [0xEE]))
        #expect(length == bytes.count)
        #expect(!d.isInterPredicted && !d.isFlexible && d.isStartOfFrame && d.isEndOfFrame)
        #expect(d.pictureID == 0x0102 && d.hasLongPictureID)
        #expect(
            d.layer
                == .init(
                    temporalID: 1, isSwitchingUp: true, spatialID: 0, isInterLayerDependent: false, tl0PictureIndex: 7))
        let ss = try #require(d.scalability)
        #expect(ss.spatialLayers == 1)
        #expect(ss.resolutions == [.init(width: 640, height: 360)])
        #expect(ss.pictureGroup == [.init(temporalID: 0, isSwitchingUp: false, referenceDiffs: [1])])
        #expect(d.startsKeyframe)
        #expect(d.serialized() == bytes)
    }

    /// Flexible mode with P: 7-bit picture ID, two P_DIFFs (N set on the first).
    @Test func flexibleDescriptorWithReferences() throws {
        let bytes: [UInt8] = [0xD8, 0x05, 0x03, 0x04]
        let (d, length) = try #require(VP9PayloadDescriptor.parse(bytes))
        #expect(length == 4)
        #expect(d.isInterPredicted && d.isFlexible && d.isStartOfFrame && !d.isEndOfFrame)
        #expect(d.pictureID == 5 && d.referenceDiffs == [1, 2])
        #expect(!d.startsKeyframe)
        #expect(d.serialized() == bytes)
    }

    @Test func frameHeaderGivesKeyframeSize() throws {
        let h = try #require(VP9FrameHeader(MediaSamples.vp9(key: true, size: 40, seed: 1)))
        #expect(h.isKeyframe && h.width == 320 && h.height == 240 && h.profile == 0)
        #expect(VP9FrameHeader(MediaSamples.vp9(key: false, size: 40, seed: 1))?.isKeyframe == false)
    }

    private func packet(_ seq: UInt16, ts: UInt32, marker: Bool, _ payload: [UInt8]) -> RTPPacket {
        RTPPacket(marker: marker, payloadType: 98, sequenceNumber: seq, timestamp: ts, ssrc: 1, payload: payload)
    }

    /// B..E across packets; P=0 at the start of layer 0 is a key frame; P=1 is not.
    @Test func reassemblesAcrossPackets() {
        var d = VP9Depacketizer()
        let key = MediaSamples.vp9(key: true, size: 30, seed: 2)
        var out = d.push(packet(100, ts: 0, marker: false, [0x08] + key[0..<15]))
        out += d.push(packet(101, ts: 0, marker: true, [0x04] + key[15...]))
        let delta = MediaSamples.vp9(key: false, size: 10, seed: 3)
        out += d.push(packet(102, ts: 3000, marker: true, [0x4C] + delta))
        #expect(
            out == [
                MediaFrame(data: key, rtpTimestamp: 0, isKeyframe: true),
                MediaFrame(data: delta, rtpTimestamp: 3000, isKeyframe: false),
            ])
    }

    /// Two spatial layers in one picture become a superframe with an index (VP9 Annex B).
    @Test func spatialLayersBecomeSuperframe() throws {
        var d = VP9Depacketizer()
        let base = MediaSamples.vp9(key: true, size: 20, seed: 4)
        let upper = MediaSamples.vp9(key: false, size: 300, seed: 5)
        // L=1, F=0: layer byte SID 0 / SID 1 with TL0PICIDX.
        var out = d.push(packet(1, ts: 0, marker: false, [0x2C, 0x00, 0x00] + base))
        out += d.push(packet(2, ts: 0, marker: true, [0x2C, 0x03, 0x00] + upper))
        let frame = try #require(out.first)
        #expect(frame.isKeyframe)
        let marker: UInt8 = 0xC0 | 1 << 3 | 1  // 2-byte sizes, 2 frames
        #expect(frame.data == base + upper + [marker, 20, 0, 44, 1, marker])
    }

    /// A layer frame without its end (E lost, no gap because it was the last packet sent
    /// before the next picture) is not a frame.
    @Test func missingEndIsNotAFrame() {
        var d = VP9Depacketizer()
        let key = MediaSamples.vp9(key: true, size: 30, seed: 6)
        #expect(d.push(packet(1, ts: 0, marker: false, [0x08] + key)).isEmpty)
        let key2 = MediaSamples.vp9(key: true, size: 30, seed: 7)
        #expect(
            d.push(packet(2, ts: 3000, marker: true, [0x0C] + key2)) == [
                MediaFrame(data: key2, rtpTimestamp: 3000, isKeyframe: true)
            ])
        #expect(d.droppedFrames == 1)
    }
}
