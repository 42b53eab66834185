import Testing
@testable import RTCSCTP

/// The send queue serves streams round-robin, one whole message at a time.
@Suite struct SCTPSendQueueTests {
    private func message(_ stream: UInt16, _ size: Int) -> SCTPSendQueue.Item {
        .message(stream: stream, ppid: 53, payload: [UInt8](repeating: 1, count: size), options: SCTPSendOptions())
    }

    private func drainStreams(_ q: inout SCTPSendQueue) -> [UInt16] {
        var out: [UInt16] = []
        while let item = q.removeFirst() { out.append(item.stream) }
        return out
    }

    @Test func aSmallMessageDoesNotWaitBehindAnotherStreamsBacklog() {
        var q = SCTPSendQueue()
        for _ in 0..<100 { q.append(message(1, 65536)) }
        q.append(message(2, 100))
        #expect(q.count == 101)
        #expect(q.totalBuffered == 100 * 65536 + 100)
        #expect(q.first?.stream == 1)
        q.removeFirst()
        // The next head is the other stream's ping, not the 99 bulk messages.
        #expect(q.first?.stream == 2)
        q.removeFirst()
        #expect(q.buffered(stream: 2) == 0)
        #expect(q.buffered(stream: 1) == 99 * 65536)
        #expect(drainStreams(&q) == Array(repeating: 1, count: 99))
        #expect(q.isEmpty && q.totalBuffered == 0 && q.count == 0)
    }

    @Test func eachStreamKeepsItsOrderAndResetsStayBehindTheirMessages() {
        var q = SCTPSendQueue()
        q.append(message(1, 10))
        q.append(message(1, 11))
        q.append(.reset(stream: 1))
        q.append(message(2, 20))
        q.append(message(3, 30))
        q.append(message(2, 21))
        var seen: [String] = []
        while let item = q.removeFirst() {
            switch item {
            case .message(let s, _, let p, _): seen.append("\(s):\(p.count)")
            case .reset(let s): seen.append("reset \(s)")
            }
        }
        #expect(seen == ["1:10", "2:20", "3:30", "1:11", "2:21", "reset 1"])
    }

    @Test func theHeadStaysPutUntilRemoved() {
        var q = SCTPSendQueue()
        q.append(message(1, 70000))
        q.append(message(2, 5))
        q.headOffset = 1200  // partly handed over: nothing else may start
        #expect(q.first?.stream == 1)
        #expect(q.first?.stream == 1)
        q.removeFirst()
        #expect(q.headOffset == 0)
        #expect(q.first?.stream == 2)
        let removed = q.removeAll()
        #expect(removed == [2])
        #expect(q.isEmpty && q.first == nil)
    }

    @Test func manyMessagesOnOneStreamCompactWithoutLosingAny() {
        var q = SCTPSendQueue()
        for i in 0..<1000 { q.append(message(4, i + 1)) }
        var sizes: [Int] = []
        while let item = q.removeFirst() {
            if case .message(_, _, let p, _) = item { sizes.append(p.count) }
            if sizes.count == 500 { for i in 1000..<1010 { q.append(message(4, i + 1)) } }
        }
        #expect(sizes == Array(1...1010))
    }

    /// A message handed to usrsctp is no longer held here: its payload is freed at once, not when
    /// the queue next compacts (a bulk sender of 256 KiB messages kept up to 64 of them, 16 MiB).
    @Test func aTakenMessagesPayloadIsReleasedAtOnce() {
        var q = SCTPSendQueue()
        var payload = [UInt8](repeating: 9, count: 4096)
        q.append(.message(stream: 1, ppid: 53, payload: payload, options: SCTPSendOptions()))
        q.append(message(1, 10))
        _ = q.removeFirst()
        let before = payload.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        payload[0] = 1  // copies the storage if the queue still shares it
        let after = payload.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        #expect(before == after)
        #expect(q.count == 1)
    }

    @Test func rotatePassesOverAWaitingStreamOnlyBetweenMessages() {
        var q = SCTPSendQueue()
        q.append(.reset(stream: 1))
        q.append(message(2, 40))
        #expect(q.streamCount == 2)
        let rotated = q.rotate()
        #expect(rotated)
        #expect(q.first?.stream == 2)
        q.headOffset = 10  // half sent: it must stay at the head
        let rotatedMidMessage = q.rotate()
        #expect(!rotatedMidMessage)
        #expect(q.first?.stream == 2)
        q.removeFirst()
        #expect(q.first?.stream == 1 && q.streamCount == 1)
        let rotatedAlone = q.rotate()
        #expect(!rotatedAlone)  // nothing else to serve
    }
}
