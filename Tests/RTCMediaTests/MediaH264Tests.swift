import Testing

@testable import RTCRTP
@testable import RTCMedia

@Suite struct MediaH264Tests {
    private let sc: [UInt8] = [0, 0, 0, 1]
    private let idr: [UInt8] = [0x65, 0x88, 0x84, 0x21, 0xA0]

    private func packet(_ seq: UInt16, ts: UInt32, marker: Bool, _ payload: [UInt8]) -> RTPPacket {
        RTPPacket(marker: marker, payloadType: 102, sequenceNumber: seq, timestamp: ts, ssrc: 1, payload: payload)
    }

    /// RFC 6184 §5.7.1 figure 7: STAP-A header (F=0, NRI=3, type 24), then SPS and PPS each
    /// behind a 16-bit size; the IDR follows in its own packet.
    @Test func stapAWithParameterSets() {
        let sps = MediaSamples.sps
        let pps = MediaSamples.pps
        let stap: [UInt8] = [0x78, 0x00, UInt8(sps.count)] + sps + [0x00, UInt8(pps.count)] + pps
        var d = H264Depacketizer()
        #expect(d.push(packet(1, ts: 90, marker: false, stap)).isEmpty)
        let out = d.push(packet(2, ts: 90, marker: true, idr))
        #expect(out == [MediaFrame(data: sc + sps + sc + pps + sc + idr, rtpTimestamp: 90, isKeyframe: true)])
    }

    /// RFC 6184 §5.8: FU indicator (NRI of the NAL, type 28), FU header S/E/type 5, the IDR's
    /// header byte rebuilt from both.
    @Test func fuAStartMiddleEnd() {
        let body = MediaSamples.body(30, seed: 1)
        let nal: [UInt8] = [0x65, 0x88] + body
        var d = H264Depacketizer()
        var out = d.push(packet(7, ts: 0, marker: false, [0x7C, 0x85] + nal[1..<11]))
        out += d.push(packet(8, ts: 0, marker: false, [0x7C, 0x05] + nal[11..<21]))
        out += d.push(packet(9, ts: 0, marker: true, [0x7C, 0x45] + nal[21...]))
        #expect(out == [MediaFrame(data: sc + nal, rtpTimestamp: 0, isKeyframe: true)])
    }

    @Test func lostFUAMiddleDropsFrame() {
        let nal: [UInt8] = [0x65, 0x88] + MediaSamples.body(30, seed: 2)
        var d = H264Depacketizer()
        #expect(d.push(packet(7, ts: 0, marker: false, [0x7C, 0x85] + nal[1..<11])).isEmpty)
        #expect(d.push(packet(9, ts: 0, marker: true, [0x7C, 0x45] + nal[21...])).isEmpty)
        #expect(d.needsKeyframe && d.droppedFrames == 1)
    }

    /// An FU-A middle without its start (and no sequence gap, as when a sender misbehaves) is
    /// malformed, not silently glued.
    @Test func fuAWithoutStartIsMalformed() {
        var d = H264Depacketizer()
        #expect(d.push(packet(1, ts: 0, marker: true, [0x7C, 0x05, 1, 2, 3])).isEmpty)
        #expect(d.droppedFrames == 1)
    }

    /// An IDR sent without SPS/PPS gets the last ones seen in front, after its AUD.
    @Test func idrWithoutParameterSetsGetsThemPrepended() {
        var d = H264Depacketizer()
        let stap: [UInt8] =
            [0x78, 0x00, UInt8(MediaSamples.sps.count)] + MediaSamples.sps
            + [0x00, UInt8(MediaSamples.pps.count)] + MediaSamples.pps
        _ = d.push(packet(1, ts: 0, marker: false, stap))
        _ = d.push(packet(2, ts: 0, marker: true, idr))
        let aud: [UInt8] = [0x09, 0xF0]
        let out = d.push(packet(3, ts: 3000, marker: false, aud)) + d.push(packet(4, ts: 3000, marker: true, idr))
        #expect(
            out == [
                MediaFrame(
                    data: sc + aud + sc + MediaSamples.sps + sc + MediaSamples.pps + sc + idr, rtpTimestamp: 3000,
                    isKeyframe: true)
            ])
    }

    /// Losing a picture's first slice: the rest of it, whose first slice has
    /// first_mb_in_slice > 0, is not emitted, although it is an IDR and no packet of its
    /// timestamp came before.
    @Test func pictureMissingFirstSliceIsDropped() {
        var d = H264Depacketizer()
        let stap: [UInt8] =
            [0x78, 0x00, UInt8(MediaSamples.sps.count)] + MediaSamples.sps
            + [0x00, UInt8(MediaSamples.pps.count)] + MediaSamples.pps
        _ = d.push(packet(1, ts: 0, marker: false, stap))
        #expect(d.push(packet(2, ts: 0, marker: true, idr)).count == 1)
        // Packet 3, the slice with first_mb_in_slice 0, is lost.
        #expect(d.push(packet(4, ts: 3000, marker: true, [0x65, 0x45, 1, 2, 3])).isEmpty)
        #expect(d.droppedFrames == 1 && d.needsKeyframe)
    }

    @Test func annexBSplitHandlesThreeAndFourByteStartCodes() {
        let stream: [UInt8] = [0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, 0x88, 5]
        let units = H264NALUnit.split(annexB: stream).map(Array.init)
        #expect(units == [[0x67, 1, 2], [0x68, 3], [0x65, 0x88, 5]])
    }

    /// Packetizing an access unit: SPS and PPS (and a small SEI) share a STAP-A, a large IDR
    /// goes in FU-As whose payloads respect the budget.
    @Test func packetizerAggregatesAndFragments() throws {
        let sei: [UInt8] = [0x06, 0x05, 0x01, 0x80]
        let slice: [UInt8] = [0x65, 0x88] + MediaSamples.body(2500, seed: 4)
        let au = sc + MediaSamples.sps + sc + MediaSamples.pps + sc + sei + sc + slice
        var p = H264Packetizer(maxPayloadSize: 1000)
        let payloads = p.payloads(for: MediaFrame(data: au, rtpTimestamp: 0, isKeyframe: true))
        #expect(payloads.count == 4)
        #expect(payloads[0] == [0x78, 0, 11] + MediaSamples.sps + [0, 4] + MediaSamples.pps + [0, 4] + sei)
        #expect(payloads.allSatisfy { $0.count <= 1000 })
        #expect(payloads[1][0] == 0x7C && payloads[1][1] == 0x85)
        #expect(payloads[2][1] == 0x05)
        #expect(payloads[3][1] == 0x45)
    }

    /// A later IDR sent without parameter sets goes out with the ones seen before (in a STAP-A
    /// ahead of the slice), so a receiver starting there can decode.
    @Test func packetizerRepeatsParameterSetsBeforeIDR() {
        var p = H264Packetizer()
        _ = p.payloads(
            for: MediaFrame(data: MediaSamples.h264(key: true, size: 50, seed: 1), rtpTimestamp: 0, isKeyframe: true))
        let bare = MediaSamples.h264(key: true, size: 50, seed: 2, parameterSets: false)
        let payloads = p.payloads(for: MediaFrame(data: bare, rtpTimestamp: 3000, isKeyframe: true))
        #expect(payloads.count == 1)
        let stap = payloads[0]
        #expect(stap[0] == 0x78)
        #expect(Array(stap[3..<14]) == MediaSamples.sps && Array(stap[16..<20]) == MediaSamples.pps)
        var d = H264Depacketizer()
        let out = d.push(
            RTPPacket(marker: true, payloadType: 102, sequenceNumber: 1, timestamp: 3000, ssrc: 1, payload: stap))
        #expect(out.first?.data == MediaSamples.h264(key: true, size: 50, seed: 2))
    }
}
