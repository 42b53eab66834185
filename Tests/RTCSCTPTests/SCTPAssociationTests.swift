import Testing
@testable import RTCSCTP
import RTCTestSupport

extension USRSCTPSuites {
    @Suite struct SCTPAssociationTests {
        @Test func connectsBothWaysOnAManualLoop() throws {
            let p = SCTPPair()
            var states: [SCTPAssociationState] = []
            p.a.onStateChange = { states.append($0) }
            #expect(try p.connect())
            #expect(states == [.connecting, .connected])
            #expect(p.a.outboundStreams == 1024)
            #expect(p.b.inboundStreams == 1024)
        }

        @Test func messagesFlowBothWays() throws {
            let p = SCTPPair()
            #expect(try p.connect())
            try p.a.send([1, 2, 3], stream: 1, ppid: 53)
            try p.b.send(Array("hi".utf8), stream: 2, ppid: 51, options: SCTPSendOptions(ordered: false))
            #expect(p.advance(until: { p.receivedByA.count == 1 && p.receivedByB.count == 1 }))
            #expect(p.receivedByB == [SCTPMessage(streamId: 1, ppid: 53, payload: [1, 2, 3])])
            #expect(p.receivedByA == [SCTPMessage(streamId: 2, ppid: 51, payload: Array("hi".utf8), unordered: true)])
        }

        @Test func packetsRespectTheFixedPathMTU() throws {
            let p = SCTPPair()
            var largest = 0
            let inner = p.link.b.onReceive
            _ = inner
            #expect(try p.connect())
            let deliver = p.link.b.onReceive
            p.link.b.onReceive = { packet in
                largest = max(largest, packet.count)
                deliver?(packet)
            }
            try p.a.send(testPayload(20_000), stream: 0, ppid: 53)
            #expect(p.advance(until: { p.receivedByB.count == 1 }))
            #expect(p.receivedByB.first?.payload == testPayload(20_000), "payload differs")
            #expect(largest > 1000 && largest <= 1200 + 12)
        }

        @Test func maximumSizeMessageArrivesIntactAndLargerIsRejected() throws {
            let p = SCTPPair()
            #expect(try p.connect())
            let big = testPayload(262_144, seed: 7)
            try p.a.send(big, stream: 3, ppid: 53)
            #expect(p.advance(until: { p.receivedByB.count == 1 }))
            #expect(p.receivedByB.first?.payload == big, "payload differs")
            #expect(throws: SCTPError.messageTooLarge(size: 262_145, limit: 262_144)) {
                try p.a.send(testPayload(262_145), stream: 3, ppid: 53)
            }
        }

        @Test func partialSendsFinishWhenTheSendBufferIsSmall() throws {
            var small = SCTPConfiguration()
            small.sendBufferSize = 64 * 1024
            let p = SCTPPair(configA: small)
            #expect(try p.connect())
            var errors: [SCTPError] = []
            p.a.onSendError = { errors.append($1) }
            let messages = (0..<6).map { testPayload(200_000, seed: UInt8($0)) }
            for m in messages { try p.a.send(m, stream: 0, ppid: 53) }
            #expect(p.a.bufferedAmount > 0)
            #expect(p.advance(until: { p.receivedByB.count == 6 }))
            #expect(errors == [])
            #expect(p.receivedByB.map(\.payload) == messages, "payloads differ")
            #expect(p.a.bufferedAmount == 0)
            // usrsctp signals freed send space even without its threads (send_cb), and dry.
            #expect(p.a.writableSignals > 0)
            #expect(p.advance(until: { p.a.senderDrySignals > 0 }, limit: .seconds(5)))
        }

        @Test func gracefulCloseReachesThePeer() throws {
            let p = SCTPPair()
            #expect(try p.connect())
            try p.a.send(testPayload(100_000), stream: 0, ppid: 53)
            p.a.close()
            #expect(p.advance(until: { p.a.state == .closed && p.b.state == .closed }))
            #expect(p.receivedByB.count == 1)
            #expect(throws: SCTPError.notConnected) { try p.a.send([1], stream: 0, ppid: 53) }
        }

        @Test func connectFailsWhenThePeerNeverAnswers() throws {
            let p = SCTPPair()
            p.link.a.blackhole = true
            p.link.b.blackhole = true
            try p.a.start()
            #expect(p.advance(until: { p.a.state == .failed }, limit: .seconds(600)))
        }
    }
}

extension USRSCTPSuites.SCTPAssociationTests {
    @Test func outgoingStreamResetIsSeenByThePeer() throws {
        let p = SCTPPair()
        #expect(try p.connect())
        var incomingAtB: [UInt16] = []
        var outgoingAtA: [UInt16] = []
        p.b.onIncomingStreamsReset = { incomingAtB += $0 }
        p.a.onOutgoingStreamsReset = { outgoingAtA += $0 }
        try p.a.send([1], stream: 4, ppid: 53)
        p.a.resetStream(4)
        #expect(p.advance(until: { incomingAtB == [4] && outgoingAtA == [4] }))
        #expect(p.receivedByB.count == 1)
        // The stream is usable again after the reset.
        try p.a.send([2], stream: 4, ppid: 53)
        #expect(p.advance(until: { p.receivedByB.count == 2 }))
    }

    @Test func sendBeforeConnectIsQueuedThenDelivered() throws {
        let p = SCTPPair()
        try p.a.send([7, 7], stream: 0, ppid: 53)
        #expect(p.a.bufferedAmount == 2)
        #expect(try p.connect())
        #expect(p.advance(until: { p.receivedByB.count == 1 }))
        #expect(p.a.bufferedAmount == 0)
    }

    @Test func emptyAndOutOfRangeSendsAreRejected() throws {
        let p = SCTPPair()
        #expect(try p.connect())
        #expect(throws: SCTPError.emptyMessage) { try p.a.send([], stream: 0, ppid: 53) }
        #expect(throws: SCTPError.invalidStream(1024)) { try p.a.send([1], stream: 1024, ppid: 53) }
    }

    @Test func associationsAreReleasedAfterClose() throws {
        let before = SCTPLibrary.registeredCount
        let p = SCTPPair()
        #expect(try p.connect())
        #expect(SCTPLibrary.registeredCount == before + 2)
        p.a.close()
        #expect(p.advance(until: { p.a.state == .closed && p.b.state == .closed }))
        #expect(SCTPLibrary.registeredCount == before)
    }
}
