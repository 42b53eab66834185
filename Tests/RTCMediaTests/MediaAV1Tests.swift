import Testing

@testable import RTCRTP
@testable import RTCMedia

@Suite struct MediaAV1Tests {
    private let td: [UInt8] = [0x12, 0x00]

    private func packet(_ seq: UInt16, ts: UInt32 = 0, marker: Bool, _ payload: [UInt8]) -> RTPPacket {
        RTPPacket(marker: marker, payloadType: 45, sequenceNumber: seq, timestamp: ts, ssrc: 1, payload: payload)
    }

    /// AV1 RTP spec §4.4: aggregation header Z=0 Y=0 W=2 N=1; the first OBU element (a
    /// sequence header) has a LEB128 length, the second (last, a frame) none. Output: a
    /// temporal delimiter, then both OBUs with obu_has_size_field set and their sizes.
    @Test func aggregationWithW2() {
        let payload: [UInt8] = [0x28, 0x04, 0x08, 0x01, 0x02, 0x03, 0x30, 0x10, 0xAA, 0xBB]
        var d = AV1Depacketizer()
        let out = d.push(packet(1, marker: true, payload))
        #expect(
            out == [
                MediaFrame(
                    data: td + [0x0A, 0x03, 0x01, 0x02, 0x03] + [0x32, 0x03, 0x10, 0xAA, 0xBB], rtpTimestamp: 0,
                    isKeyframe: true)
            ])
    }

    /// W=0: every element carries a length. A temporal delimiter sent anyway is not doubled;
    /// an OBU that already has a size field and an extension byte keeps both.
    @Test func aggregationWithW0AndSizedOBU() {
        let seq: [UInt8] = [0x08, 0x01]
        let sized: [UInt8] = [0x36, 0x20, 0x02, 0xAB, 0xCD]
        let payload: [UInt8] = [0x08, 0x01, 0x10, 0x02] + seq + [0x05] + sized
        var d = AV1Depacketizer()
        let out = d.push(packet(1, marker: true, payload))
        #expect(out == [MediaFrame(data: td + [0x0A, 0x01, 0x01] + sized, rtpTimestamp: 0, isKeyframe: true)])
    }

    /// An OBU fragmented over two packets: Y on the first, Z on the second.
    @Test func fragmentAcrossPackets() {
        var d = AV1Depacketizer()
        var out = d.push(packet(1, marker: false, [0x58, 0x30, 0x10, 1, 2, 3]))
        #expect(out.isEmpty)
        out = d.push(packet(2, marker: true, [0x90, 4, 5, 6]))
        #expect(
            out == [MediaFrame(data: td + [0x32, 0x07, 0x10, 1, 2, 3, 4, 5, 6], rtpTimestamp: 0, isKeyframe: true)])
    }

    /// The fragment's first half lost: the continuation (Z=1) cannot start a frame.
    @Test func lostFragmentStartDropsFrame() {
        var d = AV1Depacketizer()
        _ = d.push(packet(1, marker: true, [0x18, 0x08, 0x01]))
        #expect(d.push(packet(3, ts: 3000, marker: true, [0x90, 4, 5, 6])).isEmpty)
        #expect(d.droppedFrames == 1 && d.needsKeyframe)
    }

    @Test func delimiterOnlyOrEmptyIsNotAFrame() {
        var d = AV1Depacketizer()
        #expect(d.push(packet(1, marker: true, [0x18, 0x10])).isEmpty)
        #expect(d.droppedFrames == 1)
    }

    /// Packetizing with a small budget fragments the frame OBU and drops the temporal
    /// delimiter; N is set on the key frame's first packet only.
    @Test func packetizerFragments() throws {
        let tu = MediaSamples.av1(key: true, size: 500, seed: 1)
        var p = AV1Packetizer(maxPayloadSize: 200)
        let payloads = p.payloads(for: MediaFrame(data: tu, rtpTimestamp: 0, isKeyframe: true))
        #expect(payloads.count == 3)
        #expect(payloads.allSatisfy { $0.count <= 200 })
        #expect(payloads[0][0] & 0x08 != 0 && payloads[1][0] & 0x08 == 0)
        #expect(payloads[0][0] & 0xC0 == 0x40)  // Y
        #expect(payloads[1][0] & 0xC0 == 0xC0)  // Z and Y
        #expect(payloads[2][0] & 0xC0 == 0x80)  // Z
        var d = AV1Depacketizer()
        var out: [MediaFrame] = []
        for (i, pl) in payloads.enumerated() { out += d.push(packet(UInt16(i), marker: i == payloads.count - 1, pl)) }
        #expect(out.map(\.data) == [tu])
    }

    @Test func leb128() {
        var out: [UInt8] = []
        AV1OBU.appendLEB128(300, to: &out)
        #expect(out == [0xAC, 0x02])
        #expect(AV1OBU.readLEB128(out, at: 0, end: 2)?.0 == 300)
        #expect(AV1OBU.readLEB128([0x80, 0x80], at: 0, end: 2) == nil)
        #expect(AV1OBU.lengthOfLEB128(127) == 1 && AV1OBU.lengthOfLEB128(128) == 2)
    }
}
