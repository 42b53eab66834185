import Testing
@testable import RTCCore
@testable import RTCSCTP
@testable import RTCDataChannel
import RTCTestSupport

/// Two data channel managers on associations connected over a MemoryLink (ManualEventLoop).
final class DataChannelPair {
    let sctp: SCTPPair
    let client: DataChannelManager
    let server: DataChannelManager
    var announced: [DataChannel] = []

    init(configA: SCTPConfiguration = SCTPConfiguration(), configB: SCTPConfiguration = SCTPConfiguration(),
         lossRate: Double = 0, seed: UInt64 = 1, loop: EventLoop = ManualEventLoop()) {
        sctp = SCTPPair(configA: configA, configB: configB, seed: seed, loop: loop)
        client = DataChannelManager(association: sctp.a, isDTLSClient: true)
        server = DataChannelManager(association: sctp.b, isDTLSClient: false)
        server.onDataChannel = { [unowned self] in self.announced.append($0) }
        sctp.link.lossRate = lossRate
    }

    func connect() throws -> Bool { try sctp.connect() }
    func advance(until c: () -> Bool, limit: Duration = .seconds(60)) -> Bool { sctp.advance(until: c, limit: limit) }
}

/// Collects what a channel reports.
final class ChannelLog {
    var messages: [DataChannelMessage] = []
    var opened = 0
    var closed = 0
    var low = 0
    var errors: [Error] = []

    init(_ c: DataChannel) {
        c.onMessage = { [weak self] in self?.messages.append($0) }
        c.onOpen = { [weak self] in self?.opened += 1 }
        c.onClose = { [weak self] in self?.closed += 1 }
        c.onBufferedAmountLow = { [weak self] in self?.low += 1 }
        c.onError = { [weak self] in self?.errors.append($0) }
    }
}

extension USRSCTPSuites {
    @Suite struct DataChannelTests {
        /// Opens an in-band channel from the client and returns both ends.
        func open(_ p: DataChannelPair, label: String = "chat", options: DataChannelInit = DataChannelInit()) throws
            -> (DataChannel, DataChannel, ChannelLog, ChannelLog)
        {
            let local = try p.client.createDataChannel(label: label, options: options)
            let localLog = ChannelLog(local)
            var remoteLog: ChannelLog?
            let before = p.announced.count
            p.server.onDataChannel = { c in
                p.announced.append(c)
                remoteLog = ChannelLog(c)
            }
            #expect(p.advance(until: { local.readyState == .open && p.announced.count == before + 1 }))
            let remote = try #require(p.announced.last)
            return (local, remote, localLog, try #require(remoteLog))
        }

        @Test func inBandChannelOpensOnBothSides() throws {
            let p = DataChannelPair()
            let early = try p.client.createDataChannel(label: "early", options: DataChannelInit(protocol: "proto"))
            #expect(early.readyState == .connecting)
            #expect(try p.connect())
            let (local, remote, localLog, remoteLog) = try open(p, label: "chat")
            #expect(early.id == 0 && local.id == 2)
            #expect(localLog.opened == 1 && remoteLog.opened == 1)
            #expect(remote.label == "chat" && remote.id == 2 && remote.readyState == .open)
            #expect(p.advance(until: { early.readyState == .open }))
            #expect(p.announced.contains { $0.label == "early" && $0.protocol == "proto" })
            let serverChannel = try p.server.createDataChannel(label: "from-server")
            #expect(serverChannel.id % 2 == 1)
        }

        @Test func textBinaryAndEmptyMessagesBothWays() throws {
            let p = DataChannelPair()
            #expect(try p.connect())
            let (local, remote, localLog, remoteLog) = try open(p)
            try local.send(text: "hello")
            try local.send(binary: [0, 1, 2])
            try local.send(text: "")
            try local.send(binary: [])
            try remote.send(text: "héllo back")
            try remote.send(binary: [])
            #expect(p.advance(until: { remoteLog.messages.count == 4 && localLog.messages.count == 2 }))
            #expect(remoteLog.messages == [.text("hello"), .binary([0, 1, 2]), .text(""), .binary([])])
            #expect(localLog.messages == [.text("héllo back"), .binary([])])
        }

        @Test func maximumSizeMessageIntactLargerRejected() throws {
            let p = DataChannelPair()
            #expect(try p.connect())
            let (local, _, _, remoteLog) = try open(p)
            let big = testPayload(256 * 1024, seed: 3)
            try local.send(binary: big)
            #expect(p.advance(until: { remoteLog.messages.count == 1 }))
            #expect(remoteLog.messages.first == .binary(big), "256 KiB payload differs")
            #expect(throws: DataChannelError.messageTooLarge(size: 256 * 1024 + 1, limit: 256 * 1024)) {
                try local.send(binary: testPayload(256 * 1024 + 1))
            }
        }

        @Test func thousandOrderedMessagesArriveInOrder() throws {
            let p = DataChannelPair()
            #expect(try p.connect())
            let (local, _, _, remoteLog) = try open(p)
            for i in 0..<1000 { try local.send(text: "m\(i)") }
            #expect(p.advance(until: { remoteLog.messages.count == 1000 }))
            #expect(remoteLog.messages == (0..<1000).map { .text("m\($0)") })
        }

        @Test func negotiatedChannelsOpenWithoutDCEP() throws {
            let p = DataChannelPair()
            let a = try p.client.createDataChannel(label: "neg", options: DataChannelInit(negotiated: true, id: 7))
            let b = try p.server.createDataChannel(label: "neg", options: DataChannelInit(negotiated: true, id: 7))
            let aLog = ChannelLog(a), bLog = ChannelLog(b)
            #expect(throws: DataChannelError.streamInUse(7)) {
                try p.client.createDataChannel(label: "dup", options: DataChannelInit(negotiated: true, id: 7))
            }
            #expect(try p.connect())
            #expect(a.readyState == .open && b.readyState == .open && aLog.opened == 1)
            try a.send(text: "x")
            try b.send(binary: [9])
            #expect(p.advance(until: { bLog.messages.count == 1 && aLog.messages.count == 1 }))
            #expect(bLog.messages == [.text("x")] && aLog.messages == [.binary([9])])
            #expect(p.announced.isEmpty)
        }

        @Test func severalChannelsOnOneAssociation() throws {
            let p = DataChannelPair()
            #expect(try p.connect())
            var pairs: [(DataChannel, ChannelLog)] = []
            for i in 0..<5 {
                let (local, _, _, remoteLog) = try open(p, label: "c\(i)")
                pairs.append((local, remoteLog))
            }
            #expect(Set(pairs.map(\.0.id)).count == 5)
            for round in 0..<20 {
                for (i, (c, _)) in pairs.enumerated() { try c.send(text: "\(i)-\(round)") }
            }
            #expect(p.advance(until: { pairs.allSatisfy { $0.1.messages.count == 20 } }))
            for (i, (_, log)) in pairs.enumerated() {
                #expect(log.messages == (0..<20).map { .text("\(i)-\($0)") })
            }
        }

        @Test func closeResetsTheStreamAndNotifiesThePeer() throws {
            let p = DataChannelPair()
            #expect(try p.connect())
            let (local, remote, localLog, remoteLog) = try open(p)
            try local.send(text: "before close")
            local.close()
            #expect(local.readyState == .closing)
            #expect(throws: DataChannelError.invalidState(.closing)) { try local.send(text: "late") }
            #expect(p.advance(until: { local.readyState == .closed && remote.readyState == .closed }))
            #expect(remoteLog.messages == [.text("before close")])
            #expect(localLog.closed == 1 && remoteLog.closed == 1)
            #expect(p.client.channels.isEmpty && p.server.channels.isEmpty)
            // The id is free again and the association still works.
            let (again, _, _, againLog) = try open(p, label: "again")
            #expect(again.id == local.id)
            try again.send(text: "ok")
            #expect(p.advance(until: { againLog.messages == [.text("ok")] }))
        }

        @Test func closingTheAssociationClosesChannels() throws {
            let p = DataChannelPair()
            #expect(try p.connect())
            let (_, _, localLog, remoteLog) = try open(p)
            p.sctp.a.close()
            #expect(p.advance(until: { localLog.closed == 1 && remoteLog.closed == 1 }))
        }

        @Test func bufferedAmountRisesAndFallsWithLowEvent() throws {
            var small = SCTPConfiguration()
            small.sendBufferSize = 128 * 1024
            let p = DataChannelPair(configA: small)
            #expect(try p.connect())
            let (local, _, localLog, remoteLog) = try open(p)
            local.bufferedAmountLowThreshold = 64 * 1024
            let chunk = testPayload(16 * 1024)
            for _ in 0..<64 { try local.send(binary: chunk) }  // 1 MiB, far above the send buffer
            #expect(local.bufferedAmount > 512 * 1024)
            #expect(localLog.low == 0)
            #expect(p.advance(until: { localLog.low == 1 }))
            #expect(local.bufferedAmount <= 64 * 1024)
            #expect(p.advance(until: { remoteLog.messages.count == 64 }))
            #expect(local.bufferedAmount == 0 && localLog.low == 1)
        }
    }
}

extension USRSCTPSuites.DataChannelTests {
    @Test func peerCanCloseAndChannelOptionsAreChecked() throws {
        let p = DataChannelPair()
        #expect(throws: DataChannelError.conflictingReliability) {
            try p.client.createDataChannel(label: "x", options: DataChannelInit(maxRetransmits: 1, maxPacketLifeTime: 1))
        }
        #expect(try p.connect())
        let (local, remote, localLog, remoteLog) = try open(p)
        remote.close()
        #expect(p.advance(until: { local.readyState == .closed && remote.readyState == .closed }))
        #expect(localLog.closed == 1 && remoteLog.closed == 1)
        #expect(throws: DataChannelError.invalidState(.closed)) { try local.send(text: "gone") }
    }

    @Test func receiverMaySendBeforeTheCreatorSawTheAck() throws {
        let p = DataChannelPair()
        #expect(try p.connect())
        let local = try p.client.createDataChannel(label: "u", options: DataChannelInit(ordered: false))
        let localLog = ChannelLog(local)
        p.server.onDataChannel = { c in try? c.send(text: "first") }  // right after OPEN, before our ACK lands
        #expect(p.advance(until: { localLog.messages == [.text("first")] }))
        #expect(local.readyState == .open && localLog.opened == 1)
    }
}

extension USRSCTPSuites.DataChannelTests {
    /// A manager against a bare association that speaks DCEP as pion does: a 4-byte ACK and
    /// peer-opened channels (one with trailing padding) are accepted and ACKed.
    @Test func managerAcceptsPionStyleACKAndPeerOpenedChannels() throws {
        let sctp = SCTPPair()
        let manager = DataChannelManager(association: sctp.a, isDTLSClient: true)
        var announced: [DataChannel] = []
        var logs: [ChannelLog] = []
        manager.onDataChannel = { c in
            announced.append(c)
            logs.append(ChannelLog(c))
        }
        #expect(try sctp.connect())

        // Our channel: OPEN goes out, the peer answers with pion's `02 00 00 00`.
        let ours = try manager.createDataChannel(label: "mine")
        let oursLog = ChannelLog(ours)
        #expect(sctp.advance(until: { sctp.receivedByB.count == 1 }))
        let open = try #require(sctp.receivedByB.first)
        #expect(open.ppid == DataChannelPPID.dcep && open.streamId == ours.id)
        #expect(try DCEPMessage.parse(open.payload) == .open(DCEPOpen(channelType: .reliable, label: "mine")))
        try sctp.b.send([0x02, 0x00, 0x00, 0x00], stream: ours.id, ppid: DataChannelPPID.dcep)
        #expect(sctp.advance(until: { ours.readyState == .open }))
        #expect(oursLog.opened == 1)

        // Channels the peer opens: pion's OPEN on stream 1, a padded one on stream 3.
        let pionOpen: [UInt8] = [0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x04, 0x00, 0x00, 0x63, 0x68, 0x61, 0x74]
        let padded: [UInt8] = [0x03, 0x80, 0x01, 0x00, 0, 0, 0, 0, 0x00, 0x03, 0x00, 0x00, 0x61, 0x62, 0x63, 0x00]
        try sctp.b.send(pionOpen, stream: 1, ppid: DataChannelPPID.dcep)
        try sctp.b.send(padded, stream: 3, ppid: DataChannelPPID.dcep)
        try sctp.b.send(Array("hi".utf8), stream: 1, ppid: DataChannelPPID.string)
        #expect(sctp.advance(until: { announced.count == 2 && logs.first?.messages.count == 1 }))
        #expect(announced.map(\.label) == ["chat", "abc"] && announced.map(\.id) == [1, 3])
        #expect(announced.map(\.ordered) == [true, false])
        #expect(announced.allSatisfy { $0.readyState == .open } && logs.allSatisfy { $0.opened == 1 })
        #expect(logs[0].messages == [.text("hi")])
        // Each got a one-byte ACK (RFC 8832 §5.2) on its own stream.
        #expect(sctp.advance(until: { sctp.receivedByB.count == 3 }))
        let acks = sctp.receivedByB.dropFirst()
        #expect(acks.map(\.streamId) == [1, 3])
        #expect(acks.allSatisfy { $0.ppid == DataChannelPPID.dcep && $0.payload == [0x02] })

        // A truncated OPEN opens nothing and is not ACKed; the association carries on.
        try sctp.b.send([0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 4, 0, 0, 0x63], stream: 5, ppid: DataChannelPPID.dcep)
        try ours.send(text: "still here")
        #expect(sctp.advance(until: { sctp.receivedByB.count == 4 }))
        #expect(sctp.receivedByB.last?.payload == Array("still here".utf8))
        #expect(announced.count == 2 && manager.channels[5] == nil)
        sctp.tearDown()
    }
}
