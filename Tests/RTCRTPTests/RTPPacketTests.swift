import Testing

@testable import RTCRTP

/// RTP packets (RFC 3550 §5.1) and their RFC 8285 header extensions.
@Suite struct RTPPacketTests {
    typealias Element = RTPPacket.HeaderExtension.Element

    /// RFC 8285 §4.2's one-byte figure, filled in: id 1 L=0, id 2 L=1, two padding bytes, id 3 L=3.
    static let oneByteFigure = RTPPacket.HeaderExtension(
        profile: 0xBEDE, data: [UInt8](hex: "10 aa 21 bb cc 00 00 33 01 02 03 04")!)
    /// RFC 8285 §4.3's two-byte figure: id 1 L=0, id 2 L=1, one padding byte, id 3 L=4.
    static let twoByteFigure = RTPPacket.HeaderExtension(
        profile: 0x1000, data: [UInt8](hex: "01 00 02 01 bb 00 03 04 01 02 03 04")!)

    /// A VP8 packet as Chromium sends it, written by hand from RFC 3550 §5.1 and RFC 8285 §4.2:
    /// abs-send-time (id 2), transport-wide-cc (id 3) and sdes:mid "0" (id 4) in one-byte form.
    static let chromiumVideo = [UInt8](
        hex: """
            90 e0 1f 40 00 0d bb a0 5f 2a 3c 11
            be de 00 03 22 12 34 56 31 00 2a 40 30 00 00 00
            90 e0 0a 0b 0c
            """)!

    @Test func parsesChromiumVideoPacket() throws {
        let p = try RTPPacket(parsing: Self.chromiumVideo)
        #expect(p.marker && p.payloadType == 96 && p.sequenceNumber == 8000 && p.timestamp == 900_000)
        #expect(p.ssrc == 0x5F2A_3C11 && p.payload == [0x90, 0xE0, 0x0A, 0x0B, 0x0C])
        let ext = try #require(p.headerExtension)
        #expect(ext.isOneByte && !ext.isTwoByte)
        #expect(ext.absSendTime(id: 2) == 0x12_3456)
        #expect(ext.transportSequenceNumber(id: 3) == 42)
        #expect(ext.mid(id: 4) == "0")
        #expect(ext.element(id: 5) == nil)
        #expect(p.serialized() == Self.chromiumVideo)
    }

    @Test func rebuildsChromiumExtensionsByteForByte() throws {
        var p = RTPPacket(
            marker: true, payloadType: 96, sequenceNumber: 8000, timestamp: 900_000, ssrc: 0x5F2A_3C11,
            payload: [0x90, 0xE0, 0x0A, 0x0B, 0x0C])
        try p.setAbsSendTime(ntp: UInt64(0x12_3456) << 14, id: 2)
        try p.setTransportSequenceNumber(42, id: 3)
        try p.setMid("0", id: 4)
        #expect(p.serialized() == Self.chromiumVideo)
    }

    /// `append(to:)` (the allocation-free send path) adds exactly the `serialized()` bytes after
    /// what the buffer holds, for a packet with CSRCs, an extension and padding, and reuses it.
    @Test func appendMatchesSerializedAndReusesTheBuffer() throws {
        let p = try RTPPacket(parsing: Self.chromiumVideo)
        var q = p
        q.csrcs = [7, 0xDEAD_BEEF]
        q.paddingLength = 4
        var buffer: [UInt8] = [1, 2, 3]
        q.append(to: &buffer)
        #expect(buffer == [1, 2, 3] + q.serialized())
        #expect(try RTPPacket(parsing: Array(buffer.dropFirst(3))) == q)
        buffer.removeAll(keepingCapacity: true)
        p.append(to: &buffer)
        #expect(buffer == Self.chromiumVideo)
    }

    @Test func readsRFC8285OneByteFigure() throws {
        #expect(
            try Self.oneByteFigure.elements() == [
                Element(id: 1, data: [0xAA]), Element(id: 2, data: [0xBB, 0xCC]), Element(id: 3, data: [1, 2, 3, 4]),
            ])
    }

    @Test func readsRFC8285TwoByteFigure() throws {
        let e = Self.twoByteFigure
        #expect(e.isTwoByte)
        #expect(
            try e.elements() == [
                Element(id: 1, data: []), Element(id: 2, data: [0xBB]), Element(id: 3, data: [1, 2, 3, 4]),
            ])
        // Rebuilt from its elements, it is the figure without the padding byte in the middle.
        let rebuilt = try RTPPacket.HeaderExtension(elements: e.elements())
        #expect(rebuilt.profile == 0x1000 && rebuilt.data.count % 4 == 0)
        #expect(try rebuilt.elements() == e.elements())
    }

    @Test func oneByteFormStopsAtId15() throws {
        let e = RTPPacket.HeaderExtension(profile: 0xBEDE, data: [0x10, 0xAA, 0xF3, 0x20, 0xBB, 0x00, 0x00, 0x00])
        #expect(try e.elements() == [Element(id: 1, data: [0xAA])])
    }

    @Test func settingReplacesAppendsAndUpgradesToTwoByte() throws {
        var e = try Self.oneByteFigure.setting(id: 2, data: [9])
        #expect(e.element(id: 2) == [9] && e.element(id: 1) == [0xAA] && e.isOneByte)
        e = try e.setting(id: 7, data: [1, 2])
        #expect(try e.elements().map(\.id) == [1, 2, 3, 7])
        // 17 bytes do not fit the one-byte form's 4-bit length: the whole extension goes two-byte.
        let long = [UInt8](repeating: 5, count: 17)
        e = try e.setting(id: 8, data: long)
        #expect(e.isTwoByte && e.element(id: 8) == long && e.element(id: 3) == [1, 2, 3, 4])
        // Ids above 14 too.
        #expect(try Self.oneByteFigure.setting(id: 200, data: [1]).isTwoByte)
        e = try e.removing(id: 8)
        #expect(e.element(id: 8) == nil && e.element(id: 7) == [1, 2])
    }

    @Test func settingPicksTheSmallestFormAndKeepsAppBits() throws {
        let e = RTPPacket.HeaderExtension(profile: 0x1005, data: [1, 1, 0xAA, 0])
        // Still needing two bytes (id 20), the appbits stay; fitting in one byte, it goes one-byte.
        #expect(try e.setting(id: 20, data: [0xBB]).profile == 0x1005)
        #expect(try e.setting(id: 2, data: [0xBB]).profile == 0xBEDE)
    }

    @Test func rejectsBadIdsAndTruncatedElements() {
        #expect(throws: RTPError.self) { try RTPPacket.HeaderExtension(elements: [Element(id: 0, data: [1])]) }
        #expect(throws: RTPError.self) {
            try RTPPacket.HeaderExtension(elements: [Element(id: 1, data: [UInt8](repeating: 0, count: 256))])
        }
        let truncated = RTPPacket.HeaderExtension(profile: 0xBEDE, data: [0x13, 0x01, 0x02, 0x03])
        #expect(throws: RTPError.truncated("one-byte header extension element 1 at byte 0")) {
            try truncated.elements()
        }
        #expect(truncated.element(id: 1) == nil)
        let twoByte = RTPPacket.HeaderExtension(profile: 0x1000, data: [0x01, 0x05, 0x02, 0x03])
        #expect(throws: RTPError.self) { try twoByte.elements() }
        let foreign = RTPPacket.HeaderExtension(profile: 0x1234, data: [1, 2, 3, 4])
        #expect(throws: RTPError.malformed("header extension profile 0x1234 is not RFC 8285")) {
            try foreign.elements()
        }
    }

    @Test func packetExtensionAddAndRemove() throws {
        var p = RTPPacket(payloadType: 111, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: [1])
        try p.setMid("audio", id: 1)
        let parsed = try RTPPacket(parsing: p.serialized())
        #expect(parsed.headerExtension?.mid(id: 1) == "audio")
        try p.removeExtensionElement(id: 1)
        #expect(p.headerExtension == nil)
        #expect(throws: RTPError.self) { try p.setMid("", id: 1) }
    }

    @Test func absSendTimeFromNTP() {
        // 6.18 fixed point: 1.5 s past a whole 64 s is 1.5 × 2^18.
        let ntp = UInt64(64 * 1000 + 1) << 32 | 0x8000_0000
        #expect(RTPPacket.HeaderExtension.absSendTime(ntp: ntp) == 3 << 17)
    }

    @Test func paddingRoundTrips() throws {
        let p = RTPPacket(
            payloadType: 96, sequenceNumber: 7, timestamp: 8, ssrc: 9, payload: [1, 2, 3], paddingLength: 5)
        let bytes = p.serialized()
        #expect(bytes.count == 12 + 3 + 5 && bytes.last == 5)
        #expect(try RTPPacket(parsing: bytes) == p)
    }
}
