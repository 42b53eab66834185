import Testing
@testable import RTC

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

    @Test func emptyLabelAndProtocol() throws {
        let open = DCEPOpen(channelType: .reliable, label: "")
        #expect(try DCEPMessage.parse(DCEPMessage.open(open).serialize()) == .open(open))
    }

    @Test(arguments: [
        [],
        [0x01],
        [0x02, 0x00],
        [0x03],
        [0x03, 0x00, 0x01],
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
