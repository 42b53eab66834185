import Dispatch
import Testing
import RTC
import RTCSession
import RTCSignaling

/// ICE restart over WHIP (RFC 9725 §4.4.1) between two sessions in one process: a WHIP endpoint
/// (`whip-listen` on a port the system picks) and a WHIP client. The client's restart goes out as
/// a PATCH with new credentials; the endpoint restarts its connection and answers 200 with its own.
/// With trickle, what the client trickles after the restart carries its new credentials (the
/// offer's would ask the endpoint for another restart).
@Suite struct ICERestartSessionTests {
    @Test(arguments: [false, true])
    func whipClientRestartsICEThroughPATCH(trickle: Bool) throws {
        let serverEvents = LockedList()
        let server = SessionServer(url: .whipListen(host: "127.0.0.1", port: 0, kind: .whip),
                                   options: ServeOptions(expecting: .offer, signalTimeout: 5), count: 1) { _ in
            let s = PeerSession(SessionConfiguration(role: .answer, peerConnection: SessionServerTests.loopback(),
                                                     connectTimeout: 5))
            s.onEvent = { e in
                switch e {
                case let .message(_, _, .text(t)): serverEvents.append("message \(t)")
                case let .iceRestarted(local, remote): serverEvents.append("restarted \(local) \(remote)")
                default: break
                }
            }
            return s
        }
        let port = try server.listen()
        let serving = TestThread { server.run() }

        let clientEvents = LockedList()
        let restarted = DispatchSemaphore(value: 0)
        let client = PeerSession(SessionConfiguration(
            role: .offer, peerConnection: SessionServerTests.loopback(),
            signal: .whip(url: "http://127.0.0.1:\(port)/whip", kind: .whip),
            connect: ConnectOptions(connectTimeout: 5), channels: [ChannelSpec(label: "c")], trickle: trickle,
            connectTimeout: 5))
        client.onEvent = { e in
            if case let .iceRestarted(local, remote) = e {
                clientEvents.append("restarted \(local) \(remote)")
                restarted.signal()
            }
        }
        client.onStarted = {
            startThread(name: "client-input") {
                client.sendBlocking(.text("before"))
                client.restartICE()
                // The restart is acknowledged before more data goes, so the test sees it complete.
                _ = restarted.wait(timeout: .now() + 5)
                client.sendBlocking(.text("after"))
                client.endInput()
            }
        }
        #expect(client.run() == nil)
        #expect(serving.join(within: 10))
        let restarts = clientEvents.items
        #expect(restarts.count == 1, "client: \(restarts)")
        // Both sides restarted with each other's new credentials: the client's local ufrag is the
        // server's remote one and vice versa.
        let serverRestart = serverEvents.items.filter { $0.hasPrefix("restarted") }
        #expect(serverRestart.count == 1, "server: \(serverEvents.items)")
        if let c = restarts.first?.split(separator: " "), let s = serverRestart.first?.split(separator: " "),
           c.count == 3, s.count == 3 {
            #expect(c[1] == s[2] && c[2] == s[1])
        }
        #expect(serverEvents.items.filter { $0.hasPrefix("message") } == ["message before", "message after"])
    }
}
