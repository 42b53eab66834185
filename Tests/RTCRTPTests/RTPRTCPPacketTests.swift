import Testing

@testable import RTCRTP

/// RTCP vectors written by hand from the layouts of RFC 3550 §6.4–§6.6, RFC 4585 §6.2–§6.3,
/// RFC 5104 §4.3.1 and draft-alvestrand-rmcat-remb §2.2, with values as Chromium sends them.
enum RTCPVectors {
    /// Chromium's first compound from a video sender: SR without report blocks, then SDES with
    /// its 16-character CNAME (one null octet ends the item list, one more pads the chunk).
    static let chromiumSenderReport = [UInt8](
        hex: """
            80 c8 00 06 5f 2a 3c 11 e8 f2 1c 3a 4b 6c 8d 00 00 01 5f 90 00 00 01 2c 00 02 49 f0
            81 ca 00 06 5f 2a 3c 11 01 10 78 31 59 32 7a 33 57 34 76 35 55 36 74 37 53 38 00 00
            """)!

    /// RR from SSRC 1 about 0x5f2a3c11: 5/256 lost, 12 in all, jitter 31, LSR, DLSR 1.5 s.
    static let receiverReport = [UInt8](
        hex: """
            81 c9 00 07 00 00 00 01
            5f 2a 3c 11 05 00 00 0c 00 01 23 45 00 00 00 1f 1c 3a 4b 6c 00 01 80 00
            """)!

    /// Generic NACK: PID 1000, BLP 0b101 (1001 and 1003 lost too).
    static let nack = [UInt8](hex: "81 cd 00 03 00 00 00 01 5f 2a 3c 11 03 e8 00 05")!
    static let pli = [UInt8](hex: "81 ce 00 02 00 00 00 01 5f 2a 3c 11")!
    /// FIR, command sequence number 7.
    static let fir = [UInt8](hex: "84 ce 00 04 00 00 00 01 00 00 00 00 5f 2a 3c 11 07 00 00 00")!
    /// REMB of 1 Mbit/s (exponent 2, mantissa 250000) for one SSRC.
    static let remb = [UInt8](hex: "8f ce 00 05 00 00 00 01 00 00 00 00 52 45 4d 42 01 0b d0 90 5f 2a 3c 11")!
    /// BYE with reason "done" (length octet, 4 bytes, 3 zeros to the word).
    static let bye = [UInt8](hex: "81 cb 00 03 5f 2a 3c 11 04 64 6f 6e 65 00 00 00")!
    /// Transport-wide CC feedback (PT 205 FMT 15), which rtc passes on raw.
    static let transportCC = [UInt8](hex: "8f cd 00 05 00 00 00 01 5f 2a 3c 11 00 01 00 01 00 00 01 00 20 01 04 00")!
    /// APP (PT 204) named "name".
    static let app = [UInt8](hex: "80 cc 00 02 5f 2a 3c 11 6e 61 6d 65")!

    static let all = [chromiumSenderReport, receiverReport, nack, pli, fir, remb, bye, transportCC, app]
}

@Suite struct RTPRTCPPacketTests {
    @Test func chromiumSenderReportAndSourceDescription() throws {
        let packets = try RTCPPacket.parse(compound: RTCPVectors.chromiumSenderReport)
        let sr = RTCPSenderReport(
            ssrc: 0x5F2A_3C11, ntpTime: 0xE8F2_1C3A_4B6C_8D00, rtpTimestamp: 90_000, packetCount: 300,
            octetCount: 150_000)
        #expect(
            packets == [
                .senderReport(sr),
                .sourceDescription(RTCPSourceDescription(ssrc: 0x5F2A_3C11, cname: "x1Y2z3W4v5U6t7S8")),
            ])
        guard case .sourceDescription(let sdes) = packets[1] else { return }
        #expect(sdes.cname(of: 0x5F2A_3C11) == "x1Y2z3W4v5U6t7S8" && sdes.cname(of: 1) == nil)
        #expect(RTCPPacket.serialize(packets) == RTCPVectors.chromiumSenderReport)
    }

    @Test func receiverReportBlock() throws {
        let packets = try RTCPPacket.parse(compound: RTCPVectors.receiverReport)
        let block = RTCPReportBlock(
            ssrc: 0x5F2A_3C11, fractionLost: 5, cumulativeLost: 12, extendedHighestSequenceNumber: 0x1_2345,
            jitter: 31, lastSenderReport: 0x1C3A_4B6C, delaySinceLastSenderReport: 3 << 15)
        #expect(packets == [.receiverReport(RTCPReceiverReport(ssrc: 1, reportBlocks: [block]))])
        #expect(NTPTime.duration(compact: block.delaySinceLastSenderReport) == .milliseconds(1500))
        #expect(RTCPPacket.serialize(packets) == RTCPVectors.receiverReport)
    }

    @Test func cumulativeLostIsSigned24Bits() throws {
        var bytes = RTCPVectors.receiverReport
        bytes.replaceSubrange(13..<16, with: [0xFF, 0xFF, 0xFE])
        guard case .receiverReport(let rr) = try RTCPPacket.parse(compound: bytes)[0] else {
            Issue.record("not an RR")
            return
        }
        #expect(rr.reportBlocks[0].cumulativeLost == -2)
        #expect(RTCPPacket.receiverReport(rr).serialized() == bytes)
        // Out-of-range values clamp to the field instead of wrapping.
        var big = rr
        big.reportBlocks[0].cumulativeLost = 10_000_000
        guard
            case .receiverReport(let back) = try RTCPPacket.parse(
                compound: RTCPPacket.receiverReport(big).serialized())[0]
        else { return }
        #expect(back.reportBlocks[0].cumulativeLost == 0x7F_FFFF)
    }

    @Test func feedbackMessages() throws {
        let nack = RTCPGenericNACK(
            senderSSRC: 1, mediaSSRC: 0x5F2A_3C11, entries: [.init(packetID: 1000, lostBitmask: 5)])
        #expect(try RTCPPacket.parse(compound: RTCPVectors.nack) == [.nack(nack)])
        #expect(nack.lostSequenceNumbers == [1000, 1001, 1003])
        #expect(RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 0x5F2A_3C11, lost: [1000, 1001, 1003]) == nack)
        #expect(
            try RTCPPacket.parse(compound: RTCPVectors.pli)
                == [.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0x5F2A_3C11))])
        #expect(
            try RTCPPacket.parse(compound: RTCPVectors.fir)
                == [
                    .fullIntraRequest(
                        RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 0x5F2A_3C11, sequenceNumber: 7)]))
                ])
        let parsed = try RTCPPacket.parse(compound: RTCPVectors.remb)
        guard case .receiverEstimatedMaxBitrate(let remb) = parsed[0] else {
            Issue.record("not REMB: \(parsed)")
            return
        }
        #expect(remb.bitrate == 1_000_000 && remb.ssrcs == [0x5F2A_3C11] && remb.exponent == 2)
        #expect(RTCPReceiverEstimatedMaxBitrate(senderSSRC: 1, bitrate: 1_000_000, ssrcs: [0x5F2A_3C11]) == remb)
        let keyframes = try RTCPPacket.parse(compound: RTCPVectors.pli + RTCPVectors.fir + RTCPVectors.nack)
        #expect(keyframes.map(\.keyframeRequests) == [[0x5F2A_3C11], [0x5F2A_3C11], []])
        for v in [RTCPVectors.nack, RTCPVectors.pli, RTCPVectors.fir, RTCPVectors.remb] {
            #expect(try RTCPPacket.serialize(RTCPPacket.parse(compound: v)) == v)
        }
    }

    @Test func nackPacksWrappingRuns() {
        let lost: [UInt16] = [1000, 1001, 1003, 1016, 1017, 1018, 65535, 0, 16]
        let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lost: lost)
        let expected: [RTCPGenericNACK.Entry] = [
            .init(packetID: 1000, lostBitmask: 0b1000_0000_0000_0101),  // 1001, 1003, 1016
            .init(packetID: 1017, lostBitmask: 0b1),
            .init(packetID: 65535, lostBitmask: 0b1),  // 0 follows 65535
            .init(packetID: 16, lostBitmask: 0),
        ]
        #expect(nack.entries == expected)
        #expect(nack.lostSequenceNumbers == lost)
    }

    @Test func goodbyeUnknownAndPadding() throws {
        #expect(
            try RTCPPacket.parse(compound: RTCPVectors.bye) == [
                .goodbye(RTCPGoodbye(sources: [0x5F2A_3C11], reason: "done"))
            ])
        #expect(RTCPPacket.goodbye(RTCPGoodbye(sources: [0x5F2A_3C11], reason: "done")).serialized() == RTCPVectors.bye)
        let raw = try RTCPPacket.parse(compound: RTCPVectors.transportCC + RTCPVectors.app)
        #expect(
            raw == [
                .unknown(RTCPRawPacket(count: 15, packetType: 205, body: Array(RTCPVectors.transportCC[4...]))),
                .unknown(RTCPRawPacket(count: 0, packetType: 204, body: Array(RTCPVectors.app[4...]))),
            ])
        #expect(RTCPPacket.serialize(raw) == RTCPVectors.transportCC + RTCPVectors.app)
        // A PLI padded to 16 bytes (P bit, 4 padding octets ending in their count).
        let padded = [UInt8](hex: "a1 ce 00 03 00 00 00 01 5f 2a 3c 11 00 00 00 04")!
        #expect(try RTCPPacket.parse(compound: padded) == RTCPPacket.parse(compound: RTCPVectors.pli))
        // An unaligned raw body is padded on the way out and comes back the same.
        let odd = RTCPPacket.unknown(RTCPRawPacket(count: 3, packetType: 204, body: [1, 2, 3, 4, 5]))
        let oddBytes = odd.serialized()
        #expect(oddBytes.count == 12 && oddBytes[0] & 0x20 != 0 && oddBytes.last == 3)
        #expect(try RTCPPacket.parse(compound: oddBytes) == [odd])
    }

    @Test func compoundOfEverythingRoundTrips() throws {
        let compound = RTCPVectors.all.flatMap { $0 }
        let packets = try RTCPPacket.parse(compound: compound)
        #expect(packets.count == 10)
        #expect(RTCPPacket.serialize(packets) == compound)
    }

    static let malformed: [(String, [UInt8], RTPError)] = [
        ("empty", [], .rtcp(offset: 0, "empty packet")),
        ("short header", [0x80, 0xC8], .rtcp(offset: 0, "truncated header")),
        (
            "version 1 after a PLI", RTCPVectors.pli + [0x41, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2],
            .rtcp(offset: 12, "version 1, expected 2")
        ),
        (
            "length past the end", Array(RTCPVectors.nack.dropLast(4)),
            .rtcp(offset: 0, "length of 16 bytes runs past the end (12 left)")
        ),
        (
            "SR announcing a missing block",
            [0x81, 0xC8, 0x00, 0x06] + Array(RTCPVectors.chromiumSenderReport[4..<28]),
            .rtcp(offset: 28, "report block 1 truncated")
        ),
        (
            "SR sender info cut", [0x80, 0xC8, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8],
            .rtcp(offset: 4, "SR sender info truncated")
        ),
        (
            "NACK with half an entry", [0xA1, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x03, 0xE8, 0x00, 0x02],
            .rtcp(offset: 12, "NACK FCI of 2 bytes is not whole PID+BLP entries")
        ),
        ("PLI without media SSRC", [0x81, 0xCE, 0x00, 0x01, 0, 0, 0, 1], .rtcp(offset: 4, "PLI SSRCs truncated")),
        (
            "padding larger than the packet", [0xA1, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0x20],
            .rtcp(offset: 11, "padding of 32 bytes does not fit the packet")
        ),
        (
            "padding count zero", [0xA1, 0xCE, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 0],
            .rtcp(offset: 11, "padding of 0 bytes does not fit the packet")
        ),
        (
            "SDES item past the end", [0x81, 0xCA, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x09, 0x61, 0x62],
            .rtcp(offset: 8, "SDES chunk 1 item type 1 truncated")
        ),
        (
            "SDES without its null item", [0x81, 0xCA, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x02, 0x61, 0x62],
            .rtcp(offset: 12, "SDES chunk 1 ends without its null item")
        ),
        (
            "BYE reason past the end", [0x81, 0xCB, 0x00, 0x02, 0, 0, 0, 1, 0x09, 0x61, 0x62, 0x63],
            .rtcp(offset: 8, "BYE reason truncated")
        ),
        (
            "REMB SSRC list cut", Array(RTCPVectors.remb[0..<2]) + [0x00, 0x04] + Array(RTCPVectors.remb[4..<20]),
            .rtcp(offset: 20, "REMB SSRC 1 truncated")
        ),
        (
            "FIR entry cut", [0x84, 0xCE, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5],
            .rtcp(offset: 12, "FIR FCI of 4 bytes is not whole 8-byte entries")
        ),
    ]

    @Test(arguments: malformed.indices) func rejectsMalformed(_ i: Int) {
        let (name, bytes, error) = Self.malformed[i]
        #expect(throws: error, "\(name)") { try RTCPPacket.parse(compound: bytes) }
    }

    @Test func demultiplexesRTCPFromRTP() {
        #expect(RTCPVectors.all.allSatisfy(RTCPPacket.isRTCP))
        #expect(!RTCPPacket.isRTCP(RTPPacketTests.chromiumVideo))
        #expect(!RTCPPacket.isRTCP([0x80, 0xC8]))  // too short for a header
    }

    @Test func errorsSayWhere() {
        #expect(
            RTPError.rtcp(offset: 28, "report block 1 truncated").description
                == "malformed RTCP at byte 28: report block 1 truncated")
    }
}
