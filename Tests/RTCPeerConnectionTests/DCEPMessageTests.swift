import Testing
@testable import RTCCore
@testable import RTCSDP
@testable import RTCSCTP
@testable import RTCDataChannel
@testable import RTCPeerConnection

@Suite struct DCEPMessageTests {
    @Test(arguments: DataChannelType.allCases)
    func openRoundTripsForEveryChannelType(type: DataChannelType) throws {
        let open = DCEPOpen(channelType: type, priority: 512, reliabilityParameter: type == .reliable ? 0 : 3000,
                            label: "chat ✓", protocol: "json")
        let bytes = DCEPMessage.open(open).serialize()
        #expect(try DCEPMessage.parse(bytes) == .open(open))
    }

    @Test func openHasTheRFC8832Layout() {
        let open = DCEPOpen(channelType: .partialReliableRexmitUnordered, priority: 256, reliabilityParameter: 5,
                            label: "ab", protocol: "c")
        #expect(DCEPMessage.open(open).serialize() == [
            0x03, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x02, 0x00, 0x01, 0x61, 0x62, 0x63,
        ])
    }

    @Test func ackIsOneByte() throws {
        #expect(DCEPMessage.ack.serialize() == [0x02])
        #expect(try DCEPMessage.parse([0x02]) == .ack)
    }

    /// What other stacks put on the wire (read from their sources; bytes written out here).
    struct PeerBytes: Sendable, CustomStringConvertible {
        let description: String
        let bytes: [UInt8]
        let expected: DCEPMessage
    }

    static let peerBytes: [PeerBytes] = [
        // pion/datachannel `channelAck.Marshal`: channelOpenAckLength = 4, zero-filled.
        PeerBytes(description: "pion ACK", bytes: [0x02, 0x00, 0x00, 0x00], expected: .ack),
        // pion/webrtc `DataChannel.open`: ChannelPriorityNormal (256), reliable, label "chat".
        PeerBytes(description: "pion OPEN", bytes: [
            0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x63, 0x68, 0x61, 0x74,
        ], expected: .open(DCEPOpen(channelType: .reliable, priority: 256, label: "chat"))),
        // webrtc-rs `data` crate: the ACK is the type byte alone (its marshal size is 1); its
        // own OPEN test vector: priority 3893, reliability 16715573, "label", "protocol".
        PeerBytes(description: "webrtc-rs ACK", bytes: [0x02], expected: .ack),
        PeerBytes(description: "webrtc-rs OPEN", bytes: [
            0x03, 0x00, 0x0f, 0x35, 0x00, 0xff, 0x0f, 0x35, 0x00, 0x05, 0x00, 0x08,
            0x6c, 0x61, 0x62, 0x65, 0x6c, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x63, 0x6f, 0x6c,
        ], expected: .open(DCEPOpen(channelType: .reliable, priority: 3893, reliabilityParameter: 16_715_573,
                                    label: "label", protocol: "protocol"))),
        // libdatachannel `OutgoingDataChannel::open`: priority 0; unordered, maxRetransmits 3.
        PeerBytes(description: "libdatachannel OPEN", bytes: [
            0x03, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x63, 0x68, 0x61, 0x74,
        ], expected: .open(DCEPOpen(channelType: .partialReliableRexmitUnordered, priority: 0,
                                    reliabilityParameter: 3, label: "chat"))),
        PeerBytes(description: "libdatachannel ACK", bytes: [0x02], expected: .ack),
        // libwebrtc (Chromium) `WriteDataChannelOpenMessage`: priority 0 when none is set
        // (newer releases write 256), maxPacketLifeTime 3000, protocol "json".
        PeerBytes(description: "Chromium OPEN", bytes: [
            0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0xb8, 0x00, 0x04, 0x00, 0x04,
            0x63, 0x68, 0x61, 0x74, 0x6a, 0x73, 0x6f, 0x6e,
        ], expected: .open(DCEPOpen(channelType: .partialReliableTimed, priority: 0, reliabilityParameter: 3000,
                                    label: "chat", protocol: "json"))),
        PeerBytes(description: "Chromium OPEN, priority 256", bytes: [
            0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x63, 0x68, 0x61, 0x74,
        ], expected: .open(DCEPOpen(channelType: .reliable, priority: 256, label: "chat"))),
        PeerBytes(description: "Chromium ACK", bytes: [0x02], expected: .ack),
        // An OPEN padded to a multiple of 4 bytes: libwebrtc reads what it needs and ignores the rest.
        PeerBytes(description: "padded OPEN", bytes: [
            0x03, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x61, 0x62, 0x63, 0x00,
        ], expected: .open(DCEPOpen(channelType: .reliableUnordered, priority: 256, label: "abc"))),
    ]

    @Test(arguments: peerBytes)
    func whatRealPeersSendIsAccepted(sample: PeerBytes) throws {
        #expect(try DCEPMessage.parse(sample.bytes) == sample.expected)
    }

    @Test func emptyLabelAndProtocol() throws {
        let open = DCEPOpen(channelType: .reliable, label: "")
        #expect(try DCEPMessage.parse(DCEPMessage.open(open).serialize()) == .open(open))
    }

    @Test(arguments: [
        [],
        [0x00],  // reserved (the old OPEN_REQUEST)
        [0x01],  // reserved (the old OPEN_RESPONSE)
        [0x04, 0x00, 0x00, 0x00],  // unknown message type
        [0x03],
        [0x03, 0x00, 0x01],
        [0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0],  // header one byte short
        [0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 4, 0, 0, 0x63, 0x68, 0x61],  // "chat" truncated
        [0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 4, 0x6a, 0x73, 0x6f],  // "json" truncated
        [0x03, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  // unknown channel type
        [0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0x61],  // label runs past the end
        [0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff],  // protocol runs past the end
        [0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0xff],  // label not UTF-8
        [0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xc3],  // protocol not UTF-8
    ] as [[UInt8]])
    func malformedInputIsRejected(bytes: [UInt8]) {
        #expect(throws: DataChannelError.self) { try DCEPMessage.parse(bytes) }
    }

    @Test func randomInputNeverCrashes() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let n = Int(rng.next() % 40)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if !bytes.isEmpty && rng.next() % 2 == 0 { bytes[0] = 0x03 }
            _ = try? DCEPMessage.parse(bytes)
        }
    }

    @Test func channelTypeFollowsTheInit() {
        #expect(DataChannelInit().channelType == (.reliable, 0))
        #expect(DataChannelInit(ordered: false).channelType == (.reliableUnordered, 0))
        #expect(DataChannelInit(maxRetransmits: 3).channelType == (.partialReliableRexmit, 3))
        #expect(DataChannelInit(ordered: false, maxRetransmits: 0).channelType == (.partialReliableRexmitUnordered, 0))
        #expect(DataChannelInit(maxPacketLifeTime: 150).channelType == (.partialReliableTimed, 150))
        #expect(DataChannelInit(ordered: false, maxPacketLifeTime: 9).channelType == (.partialReliableTimedUnordered, 9))
        let open = DCEPOpen(channelType: .partialReliableTimedUnordered, reliabilityParameter: 9, label: "x")
        #expect(DataChannelInit(open: open, id: 4) == DataChannelInit(ordered: false, maxPacketLifeTime: 9, id: 4))
    }

    @Test func stateTransitionsOnlyMoveForward() {
        #expect(DataChannelState.canMove(from: .connecting, to: .open))
        #expect(DataChannelState.canMove(from: .open, to: .closing))
        #expect(DataChannelState.canMove(from: .closing, to: .closed))
        #expect(!DataChannelState.canMove(from: .closed, to: .open))
        #expect(!DataChannelState.canMove(from: .closing, to: .open))
        #expect(SCTPAssociationState.canMove(from: .connecting, to: .connected))
        #expect(!SCTPAssociationState.canMove(from: .failed, to: .connected))
    }
}

/// RFC 8841 §6: the limit we send under, from the peer's a=max-message-size.
@Suite struct MaxMessageSizeTests {
    @Test(arguments: [
        (262_144, 65_536, 65_536),  // absent in the SDP: 65,536 (pion, aiortc's default)
        (262_144, 0, 262_144),  // 0: the peer takes any size; our own limit applies
        (262_144, 1_073_741_823, 262_144),  // Firefox: ours is smaller
        (262_144, 16_384, 16_384),
    ])
    func sendLimitFollowsThePeer(local: Int, remote: Int, expected: Int) {
        #expect(PeerConnection.sendLimit(local: local, remote: remote) == expected)
    }

    @Test func absentAttributeParsesAsNil() throws {
        let sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
            + "c=IN IP4 0.0.0.0\r\na=sctp-port:5000\r\n"
        let parsed = try SessionDescription.parse(sdp)
        #expect(parsed.media.first?.maxMessageSize == nil)
        let zero = try SessionDescription.parse(sdp + "a=max-message-size:0\r\n")
        #expect(zero.media.first?.maxMessageSize == 0)
    }
}
