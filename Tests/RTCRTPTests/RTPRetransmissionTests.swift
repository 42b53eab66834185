import Testing

@testable import RTCRTP

/// RTX (RFC 4588 §4): wrapping on the retransmission stream and unwrapping back.
@Suite struct RTPRetransmissionTests {
    static let original = RTPPacket(
        marker: true, payloadType: 96, sequenceNumber: 0xBEEF, timestamp: 123_456, ssrc: 0x1111, csrcs: [7],
        headerExtension: RTPPacket.HeaderExtension(profile: 0xBEDE, data: [0x40, 0x30, 0, 0]), payload: [1, 2, 3],
        paddingLength: 4)

    @Test func wrapsWithOSNAndOwnSequenceSpace() throws {
        var rtx = RTXStream(ssrc: 0x2222, payloadType: 97, initialSequenceNumber: 65535)
        let first = rtx.wrap(Self.original)
        #expect(first.ssrc == 0x2222 && first.payloadType == 97 && first.sequenceNumber == 65535)
        #expect(first.payload == [0xBE, 0xEF, 1, 2, 3] && first.paddingLength == 0)
        #expect(first.timestamp == 123_456 && first.marker && first.csrcs == [7])
        #expect(first.headerExtension == Self.original.headerExtension)
        let second = rtx.wrap(Self.original)
        #expect(second.sequenceNumber == 0)  // wraps, independent of the OSN

        // On the wire and back, then unwrapped: the original without its padding.
        let received = try RTPPacket(parsing: first.serialized())
        var expected = Self.original
        expected.paddingLength = 0
        #expect(try RTXStream.unwrap(received, ssrc: 0x1111, payloadType: 96) == expected)
    }

    @Test func paddingOnlyRTXRepairsNothing() {
        let probe = RTPPacket(
            payloadType: 97, sequenceNumber: 5, timestamp: 0, ssrc: 0x2222, payload: [], paddingLength: 200)
        #expect(throws: RTPError.truncated("RTX original sequence number (RFC 4588 §4)")) {
            try RTXStream.unwrap(probe, ssrc: 0x1111, payloadType: 96)
        }
    }
}
