#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTCTestSupport
import RTC
import RTCSignaling
import RTCTransfer

/// Signaling wired directly between two `TransferPeer`s on one manual loop.
final class MemorySignaling: TransferSignaling, @unchecked Sendable {
    let loop: ManualEventLoop
    weak var other: MemorySignaling?
    private var onMessage: (@Sendable (SignalingMessage) -> Void)?
    private var onEnd: (@Sendable (SignalingError?) -> Void)?
    private(set) var sent: [SignalingMessage] = []
    /// Drop everything sent (a peer that never answers).
    var mute = false
    private var closed = false

    init(loop: ManualEventLoop) { self.loop = loop }

    static func pair(_ loop: ManualEventLoop) -> (MemorySignaling, MemorySignaling) {
        let a = MemorySignaling(loop: loop), b = MemorySignaling(loop: loop)
        a.other = b
        b.other = a
        return (a, b)
    }

    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        self.onMessage = onMessage
        self.onEnd = onEnd
    }

    func send(_ message: SignalingMessage) {
        sent.append(message)
        guard !mute, !closed, let other else { return }
        loop.execute { other.deliver(message) }
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let other { loop.execute { other.end(nil) } }
    }

    func deliver(_ m: SignalingMessage) { if !closed { onMessage?(m) } }
    func end(_ e: SignalingError?) { if !closed { onEnd?(e) } }
}

/// Drives usrsctp on a ManualEventLoop: serialized with the other association suites (its clock
/// is process-wide, see `USRSCTPSuites`).
extension USRSCTPSuites {
/// Whole sessions: negotiation over signaling, then `TransferSender` → `TransferReceiver`.
@Suite struct TransferPeerTests {
    final class Session {
        let loop = ManualEventLoop()
        let net: VirtualNetwork
        let hostA: VirtualHost, hostB: VirtualHost
        let out = TempDirectory(), sources = TempDirectory()
        var sentReports: [TransferReport] = []
        var receivedReports: [TransferReport] = []
        var senderEnd: TransferPeerEnd?
        var receiverEnd: TransferPeerEnd?
        var sender: TransferPeer!
        var receiver: TransferPeer!
        var keep: [AnyObject] = []

        init() {
            net = VirtualNetwork(loop: loop)
            hostA = net.internet.addHost([198, 51, 100, 30])
            hostB = net.internet.addHost([198, 51, 100, 31])
        }

        deinit {
            out.remove()
            sources.remove()
        }

        func configuration(_ host: VirtualHost) -> PeerConnection.Configuration {
            var c = PeerConnection.Configuration()
            c.iceHosts = host.addresses
            c.socketFactory = host
            return c
        }

        /// Offerer sends `files` (name, bytes); answerer receives into `out`.
        func start(_ files: [(String, [UInt8])], links: (MemorySignaling, MemorySignaling)? = nil,
                   connectTimeout: Double = 10) {
            let (a, b) = links ?? MemorySignaling.pair(loop)
            sender = TransferPeer(role: .offer, loop: loop, configuration: configuration(hostA), link: a,
                                  connectTimeout: connectTimeout)
            receiver = TransferPeer(role: .answer, loop: loop, configuration: configuration(hostB), link: b,
                                    connectTimeout: connectTimeout)
            var opened: [TransferSource] = []
            for (i, (name, bytes)) in files.enumerated() {
                sources.write("\(i)", bytes)
                opened.append(TransferSource(name: name, fd: open(sources.file("\(i)"), O_RDONLY), size: bytes.count))
            }
            let s = TransferSender(peer: sender, sources: opened, loop: loop, progress: nil)
            s.onFile = { [unowned self] in sentReports.append($0) }
            var index = 0
            let r = TransferReceiver(peer: receiver, target: .directory(out.path),
                                     claims: ReceiveClaims(stdout: ReceiveClaims.Stdout()), policy: .refuse, loop: loop,
                                     progress: nil, output: nil, writeInline: true,
                                     nextIndex: { defer { index += 1 }; return index })
            r.onFile = { [unowned self] report, _ in receivedReports.append(report) }
            sender.onEnd = { [unowned self] in senderEnd = $0 }
            receiver.onEnd = { [unowned self] in receiverEnd = $0 }
            keep = [s, r]
            sender.start()
            receiver.start()
        }

        func runUntilBothEnd(limit: Duration = .seconds(60)) -> Bool {
            loop.advance(until: { senderEnd != nil && receiverEnd != nil }, limit: limit)
        }
    }

    @Test func everyFileArrivesVerifiedAndBothSidesEndWithZero() throws {
        let s = Session()
        let files = [("a.bin", pattern(200_000, seed: 1)), ("b.txt", pattern(10, seed: 2)), ("c", [UInt8]())]
        s.start(files)
        #expect(s.runUntilBothEnd())
        #expect(s.senderEnd == .ended(0, nil))
        #expect(s.receiverEnd == .ended(0, nil))
        #expect(s.sentReports.map(\.verified) == [true, true, true])
        #expect(s.receivedReports.map(\.name) == ["a.bin", "b.txt", "c"])
        for (name, bytes) in files { #expect(s.out.read(name) == bytes) }
        #expect(s.out.entries() == ["a.bin", "b.txt", "c"])
    }

    /// The receiver refuses the second file (its name exists): the sender stops there and fails.
    @Test func aRefusedFileEndsTheSenderWithFailure() throws {
        let s = Session()
        s.out.write("b", [1])
        s.start([("a", pattern(100)), ("b", pattern(100)), ("c", pattern(100))])
        #expect(s.runUntilBothEnd())
        guard case let .failed(message)? = s.senderEnd else {
            Issue.record("sender ended \(String(describing: s.senderEnd))")
            return
        }
        #expect(message.hasPrefix("b: ") && message.contains("exists"))
        #expect(s.sentReports.map(\.verified) == [true, false])
        #expect(s.out.entries() == ["a", "b"], "c was never sent")
        guard case .failed? = s.receiverEnd else {
            Issue.record("receiver ended \(String(describing: s.receiverEnd))")
            return
        }
    }

    /// A peer that never answers: the connect timeout ends the offerer, naming the phase.
    @Test func silentPeerTimesOut() throws {
        let s = Session()
        let links = MemorySignaling.pair(s.loop)
        links.0.mute = true
        s.start([("a", [1])], links: links, connectTimeout: 3)
        #expect(s.loop.advance(until: { s.senderEnd != nil }, limit: .seconds(10)))
        guard case let .timedOut(message)? = s.senderEnd else {
            Issue.record("ended \(String(describing: s.senderEnd))")
            return
        }
        #expect(message.hasPrefix("timed out after 3.0 s waiting for"))
        #expect(links.0.sent.contains(.bye), "the offerer says bye as it gives up")
    }

    @Test func badDescriptionIsBadInput() throws {
        let loop = ManualEventLoop()
        let (a, b) = MemorySignaling.pair(loop)
        let peer = TransferPeer(role: .answer, loop: loop, configuration: PeerConnection.Configuration(), link: b,
                                connectTimeout: 10)
        var ended: TransferPeerEnd?
        peer.onEnd = { ended = $0 }
        peer.start()
        a.send(.description(SessionDescriptionInit(type: .answer, sdp: "v=0\r\n")))
        loop.run()
        #expect(ended == .badInput("expected an offer, got an answer"))
    }

    @Test func signalingThatEndsFirstIsUnreachable() throws {
        let loop = ManualEventLoop()
        let (a, b) = MemorySignaling.pair(loop)
        let peer = TransferPeer(role: .answer, loop: loop, configuration: PeerConnection.Configuration(), link: b,
                                connectTimeout: 10)
        var ended: TransferPeerEnd?
        peer.onEnd = { ended = $0 }
        peer.start()
        a.close()
        loop.run()
        #expect(ended == .unreachable("signaling closed before the peer's description arrived"))
    }
}
}
