import RTC
import RTCSession
import RTCSignaling

/// Two peer sessions in one process, signaling over an in-memory link pair and media-free
/// ICE/DTLS/SCTP over loopback: the offerer opens channel "echo" and sends a message, the
/// answerer sends every message back. `swift run rtc-example-echo [MESSAGE]` prints
/// `echoed: MESSAGE` and exits 0 (1 if either session failed).
@main
struct EchoExample {
    static func main() async {
        let message = CommandLine.arguments.dropFirst().first ?? "hello"
        var pc = PeerConnection.Configuration()
        pc.iceHosts = [TransportAddress(host: "127.0.0.1", port: 0)!]  // loopback only

        let (offerLink, answerLink) = MemorySignalingLink.pair()
        let offerer = PeerSession(SessionConfiguration(role: .offer, peerConnection: pc,
                                                       channels: [ChannelSpec(label: "echo")], connectTimeout: 5),
                                  link: offerLink)
        let answerer = PeerSession(SessionConfiguration(role: .answer, peerConnection: pc, connectTimeout: 5),
                                   link: answerLink)
        let offerEvents = offerer.eventStream()
        let answerEvents = answerer.eventStream()

        // The answerer echoes every message on the channel it came from; `send` suspends while
        // the channel's buffer is full.
        let echo = Task {
            for await (label, m) in answerEvents.messages {
                try? await answerer.send(m, label: label)
            }
        }
        async let offerEnd = offerer.run()
        async let answerEnd = answerer.run()

        do {
            try await offerer.send(text: message)  // waits until the channel is open
            for await (_, m) in offerEvents.messages {
                if case let .text(t) = m { print("echoed: \(t)") }
                break
            }
        } catch {
            print("send failed: \(error)")
        }
        offerer.closeChannels()  // the answerer sees the channel close and ends too
        let ends = await [offerEnd, answerEnd]
        await echo.value
        for case let e? in ends {
            print("session failed: \(e)")
            exit(1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
