import Testing
import RTC
import RTCSession
import RTCSignaling

/// Whole sessions in one process: signaling over `MemorySignalingLink`, ICE/DTLS/SCTP over loopback.
@Suite struct PeerSessionTests {
    static func loopback() -> PeerConnection.Configuration {
        var pc = PeerConnection.Configuration()
        pc.iceHosts = [TransportAddress(host: "127.0.0.1", port: 0)!]
        return pc
    }

    @Test func twoSessionsEchoOverAnInMemoryLink() async throws {
        let (a, b) = MemorySignalingLink.pair()
        let offerer = PeerSession(SessionConfiguration(role: .offer, peerConnection: Self.loopback(),
                                                       channels: [ChannelSpec(label: "echo")], connectTimeout: 5), link: a)
        let answerer = PeerSession(SessionConfiguration(role: .answer, peerConnection: Self.loopback(), connectTimeout: 5),
                                   link: b)
        let offerEvents = offerer.eventStream()
        let answerEvents = answerer.eventStream()
        let echo = Task {
            var seen: [String] = []
            for await (label, m) in answerEvents.messages {
                if case let .text(t) = m { seen.append("\(label):\(t)") }
                try? await answerer.send(m, label: label)
            }
            return seen
        }
        async let offerEnd = offerer.run()
        async let answerEnd = answerer.run()
        for i in 0..<3 { try await offerer.send(text: "m\(i)") }
        var echoed: [String] = []
        for await (_, m) in offerEvents.messages {
            if case let .text(t) = m { echoed.append(t) }
            if echoed.count == 3 { break }
        }
        offerer.closeChannels()
        let ends = await [offerEnd, answerEnd]
        #expect(echoed == ["m0", "m1", "m2"])
        #expect(await echo.value == ["echo:m0", "echo:m1", "echo:m2"])
        #expect(ends.allSatisfy { $0 == nil }, "\(ends)")
    }

    /// 2 MiB in 32 KiB binary messages through `send` async with a 128 KiB high-water mark: the
    /// sends suspend while the channel is full and resume on its low-buffer events; every byte
    /// arrives, in order, and both sessions end cleanly.
    @Test func asyncSendsSuspendUnderBackPressureAndDeliverEverything() async throws {
        let (a, b) = MemorySignalingLink.pair()
        let offerer = PeerSession(SessionConfiguration(role: .offer, peerConnection: Self.loopback(),
                                                       channels: [ChannelSpec(label: "bulk")], connectTimeout: 5,
                                                       highWater: 128 << 10), link: a)
        let answerer = PeerSession(SessionConfiguration(role: .answer, peerConnection: Self.loopback(), connectTimeout: 5),
                                   link: b)
        let received = answerer.eventStream()
        let counting = Task {
            var bytes = 0
            var inOrder = true
            for await (_, m) in received.messages {
                guard case let .binary(data) = m else { continue }
                inOrder = inOrder && data.first == UInt8(truncatingIfNeeded: bytes / (32 << 10))
                bytes += data.count
            }
            return (bytes, inOrder)
        }
        async let offerEnd = offerer.run()
        async let answerEnd = answerer.run()
        for i in 0..<64 {
            try await offerer.send(.binary([UInt8](repeating: UInt8(i), count: 32 << 10)))
        }
        offerer.closeChannels()
        let ends = await [offerEnd, answerEnd]
        let (bytes, inOrder) = await counting.value
        #expect(bytes == 64 * (32 << 10))
        #expect(inOrder)
        #expect(ends.allSatisfy { $0 == nil }, "\(ends)")
    }
}
