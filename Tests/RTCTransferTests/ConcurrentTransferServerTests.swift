#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTCTestSupport
import RTC
import RTCSignaling
import RTCTransfer

/// `rtc listen`'s server as a library, in one process: tcp-listen:// on loopback, receiving peers
/// made by the server, senders connecting as `rtc send` does. Real loop and sockets (the server's
/// admission runs on signaling threads), bounded waits. Serialized with the other usrsctp suites
/// (one usrsctp per process, see `USRSCTPSuites`).
extension USRSCTPSuites {
@Suite(.serialized) struct ConcurrentTransferServerTests {
    /// Loop-owned state of one test (touched on the loop only; the test thread reads it through
    /// `RealLoop.sync`).
    final class World: @unchecked Sendable {
        let real = RealLoop()
        let out = TempDirectory(), sources = TempDirectory()
        var server: ConcurrentTransferServer!
        var sessionEnds: [Int32] = []
        var uncounted = 0
        var done: [Int32] = []
        var receivedNames: [String] = []
        var senderEnds: [TransferPeerEnd] = []
        var keep: [AnyObject] = []
        var filesWritten = 0

        var loop: EventLoop { real.loop }

        func configuration() -> PeerConnection.Configuration {
            var c = PeerConnection.Configuration()
            c.iceHosts = [TransportAddress(host: "127.0.0.1", port: 0)!]
            return c
        }

        /// A server receiving into `out` (it answers, or offers with `offering`); returns its port.
        func startServer(limit: Int, offering: Bool = false) throws -> UInt16 {
            try real.sync { [self] in
                let s = ConcurrentTransferServer(loop: loop, limit: limit, outcome: { end in
                    if case let .ended(status, message) = end { return (status, message) }
                    return (1, "\(end)")
                }) { [self] link in
                    let peer = TransferPeer(role: offering ? .offer : .answer, loop: loop, configuration: configuration(),
                                            link: link, connectTimeout: 10)
                    let receiver = TransferReceiver(
                        peer: peer, target: .directory(out.path), claims: ReceiveClaims(stdout: ReceiveClaims.Stdout()),
                        policy: .refuse, loop: loop, progress: nil, output: nil, writeInline: true,
                        nextIndex: { [self] in defer { filesWritten += 1 }; return filesWritten })
                    receiver.onFile = { [self] report, _ in receivedNames.append(report.name) }
                    return (peer, { receiver.abandonUnfinished() })
                }
                s.onSessionEnd = { [self] status, _ in sessionEnds.append(status) }
                s.onUncounted = { [self] in uncounted += 1 }
                s.onDone = { [self] worst in done.append(worst) }
                server = s
            }
            return try server.listen(.tcpListen(host: "127.0.0.1", port: 0),
                                     options: ServeOptions(expecting: offering ? .answer : .offer, signalTimeout: 10,
                                                           log: { _ in }))
        }

        /// A sender of `name` (`bytes`) that connects to `port` as `rtc send --signal tcp://` does.
        func send(_ name: String, _ bytes: [UInt8], to port: UInt16) throws {
            let link = try SignalURL.tcp(host: "127.0.0.1", port: port).connect(ConnectOptions(connectTimeout: 10))
            sources.write(name, bytes)
            let fd = open(sources.file(name), O_RDONLY)
            try real.sync { [self] in
                let peer = TransferPeer(role: .offer, loop: loop, configuration: configuration(), link: TransferLink(link),
                                        connectTimeout: 10)
                let sender = TransferSender(peer: peer, sources: [TransferSource(name: name, fd: fd, size: bytes.count)],
                                            loop: loop, progress: nil)
                peer.onEnd = { [self] end in senderEnds.append(end) }
                keep += [peer, sender]
                peer.start()
            }
        }

        func stop() {
            real.stop { [self] in
                server?.close(status: 0)
                for case let p as TransferPeer in keep { p.end(.ended(0, nil)) }
            }
            out.remove()
            sources.remove()
        }
    }

    /// Two senders connect at once: each gets its own receiving peer, each file arrives whole, each session
    /// ends with 0 and `limit` 2 reports done once with the worst status.
    @Test func servesSendersAtOnceUntilTheLimit() throws {
        let w = World()
        defer { w.stop() }
        let port = try w.startServer(limit: 2)
        #expect(port != 0)
        let files = [("one.bin", pattern(300_000, seed: 3)), ("two.bin", pattern(70_001, seed: 4))]
        for (name, bytes) in files { try w.send(name, bytes, to: port) }
        let finished = w.real.wait(until: { w.done.count == 1 && w.senderEnds.count == 2 }, timeout: .seconds(30))
        let state = try w.real.sync { "sessions \(w.sessionEnds), senders \(w.senderEnds), done \(w.done)" }
        #expect(finished, "\(state)")
        let (ends, done, worst, names, senders) = try w.real.sync {
            (w.sessionEnds, w.done, w.server.worst, w.receivedNames.sorted(), w.senderEnds)
        }
        #expect(ends == [0, 0])
        #expect(done == [0])
        #expect(worst == 0)
        #expect(names == ["one.bin", "two.bin"])
        #expect(senders == [.ended(0, nil), .ended(0, nil)])
        for (name, bytes) in files { #expect(w.out.read(name) == bytes) }
    }

    /// With the server offering, a peer that connects and leaves without answering is no session:
    /// `onUncounted`, nothing counted toward `limit`, and the server keeps listening.
    @Test func aPeerLeavingBeforeTheExchangeIsNotCounted() throws {
        let w = World()
        defer { w.stop() }
        let port = try w.startServer(limit: 1, offering: true)
        let silent = try TCPSignalingConnection.connect(host: "127.0.0.1", port: port, timeout: 5)
        silent.close()
        #expect(w.real.wait(until: { w.uncounted == 1 }, timeout: .seconds(15)))
        let (ends, done) = try w.real.sync { (w.sessionEnds, w.done) }
        #expect(ends.isEmpty)
        #expect(done.isEmpty)
        // Still listening: another connection is accepted.
        let again = try TCPSignalingConnection.connect(host: "127.0.0.1", port: port, timeout: 5)
        again.close()
        #expect(w.real.wait(until: { w.uncounted == 2 }, timeout: .seconds(15)))
    }
}
}
