#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Testing
import RTC
import RTCSignaling
@testable import RTCTransfer

/// What the runners report, from their threads.
// @unchecked Sendable: `items` is read and written only under `lock`.
private final class Collected<T>: @unchecked Sendable {
    private let lock = Lock()
    private var items: [T] = []
    func append(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}

/// `rtc send` and `rtc listen`'s runners against each other in one process: signaling over a
/// `MemorySignalingLink` pair, ICE/DTLS/SCTP over loopback.
@Suite struct TransferRunnerTests {
    static func loopback() -> PeerConnection.Configuration {
        var pc = PeerConnection.Configuration()
        pc.iceHosts = [TransportAddress(host: "127.0.0.1", port: 0)!]
        return pc
    }

    @Test func aFileGoesFromTheSendRunnerToTheListenRunnerVerified() throws {
        let source = TempDirectory(), target = TempDirectory()
        defer { source.remove(); target.remove() }
        let bytes = pattern(300_000, seed: 7)
        source.write("data.bin", bytes)
        let (a, b) = MemorySignalingLink.pair()
        let errors = Collected<String>(), sent = Collected<TransferReport>(), received = Collected<TransferReport>()
        let sender = TransferSendRunner(
            paths: [source.file("data.bin")], announceAs: "renamed.bin", role: .offer, configuration: Self.loopback(),
            connectTimeout: 10, progress: nil, log: { errors.append($0) }, onFile: { sent.append($0) })
        let listener = TransferListenRunner(
            target: .directory(target.path), role: .answer, configuration: Self.loopback(), connectTimeout: 10,
            policy: .refuse, progress: nil, output: { _ in }, log: { errors.append($0) },
            onFile: { report, _ in received.append(report) })
        let listened = DispatchSemaphore(value: 0)
        let listenStatus = Collected<Int32>()
        DispatchQueue.global().async {
            listenStatus.append(listener.run(link: b))
            listened.signal()
        }
        let sendStatus = sender.run(link: a)
        #expect(listened.wait(timeout: .now() + 15) == .success)
        #expect(sendStatus == 0)
        #expect(listenStatus.all == [0])
        #expect(errors.all == [])
        #expect(sent.all.map(\.verified) == [true])
        #expect(received.all.map(\.name) == ["renamed.bin"])
        #expect(received.all.first?.sha256 == sha256Hex(bytes))
        #expect(target.read("renamed.bin") == bytes)
    }

    @Test func aMissingSourceIsBadInputBeforeAnyConnection() {
        let dir = TempDirectory()
        defer { dir.remove() }
        #expect(throws: TransferError.cannotOpen(dir.file("absent"), "No such file or directory")) {
            try TransferSendRunner.checkSources([dir.file("absent")])
        }
        #expect(throws: TransferError.isDirectory(dir.path)) { try TransferSendRunner.checkSources([dir.path]) }
        #expect(TransferError.isDirectory("x").exitStatus == .dataError)
        #expect(TransferError.cannotOpen("x", "y").exitStatus == .dataError)
        #expect(TransferError.cannotCreateDirectory("x", "y").exitStatus == .failure)
    }

    @Test func anInterruptedSessionEndsWith130AndNamesNoError() {
        let dir = TempDirectory()
        defer { dir.remove() }
        dir.write("f", [1, 2, 3])
        // The peer never answers: only the interrupt ends the session.
        let (a, _b) = MemorySignalingLink.pair()
        let errors = Collected<String>()
        let sender = TransferSendRunner(
            paths: [dir.file("f")], role: .offer, configuration: Self.loopback(), connectTimeout: 30, progress: nil,
            log: { errors.append($0) }, onFile: { _ in })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { sender.interrupt(signal: SIGINT) }
        #expect(sender.run(link: a) == 130)
        #expect(errors.all == [])
        withExtendedLifetime(_b) {}
    }

    @Test(arguments: [
        (TransferPeerEnd.ended(3, "m"), Int32(3), "m" as String?),
        (.failed("f"), 1, "f"), (.badInput("b"), 65, "b"), (.unreachable("u"), 69, "u"), (.timedOut("t"), 124, "t"),
    ])
    func peerEndsMapToExitStatuses(end: TransferPeerEnd, status: Int32, message: String?) {
        #expect(end.exit.0 == status)
        #expect(end.exit.1 == message)
    }
}
