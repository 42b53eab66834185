#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTCTestSupport
import RTC
import RTCTransfer

/// Two PeerConnections on a `VirtualNetwork` (manual clock, no sockets), wired directly.
final class TransferWorld {
    let loop = ManualEventLoop()
    let net: VirtualNetwork
    let sender: PeerConnection
    let receiver: PeerConnection
    /// Where received files go; `sources` holds what is sent.
    let out = TempDirectory()
    let sources = TempDirectory()
    let claims = ReceiveClaims(stdout: ReceiveClaims.Stdout())
    private(set) var incoming: [IncomingFile] = []
    private(set) var received: [TransferReport] = []

    init(target: ReceiveTarget? = nil, policy: ExistingFilePolicy = .refuse,
         output: (@Sendable ([UInt8]) -> Void)? = nil) throws {
        let loop = self.loop
        let net = VirtualNetwork(loop: loop)
        self.net = net
        func make(_ host: VirtualHost) throws -> PeerConnection {
            var c = PeerConnection.Configuration()
            c.iceHosts = host.addresses
            c.socketFactory = host
            return try PeerConnection(loop: loop, configuration: c)
        }
        sender = try make(net.internet.addHost([198, 51, 100, 10]))
        receiver = try make(net.internet.addHost([198, 51, 100, 11]))
        var gathered = 0
        sender.whenGatheringComplete { gathered += 1 }
        receiver.whenGatheringComplete { gathered += 1 }
        guard loop.advance(until: { gathered == 2 }, limit: .seconds(10)) else { throw TestFailure("no gathering") }
        try receiver.setRemoteDescription(sender.createOffer())
        try sender.setRemoteDescription(receiver.createAnswer())
        let target = target ?? .directory(out.path)
        receiver.onDataChannel = { [unowned self] ch in
            let file = IncomingFile(channel: ch, target: target, index: incoming.count, output: output, progress: nil,
                                    loop: loop, claims: claims, policy: policy, writeInline: true)
            file.onFinish = { [unowned self] in received.append($0) }
            incoming.append(file)
        }
    }

    deinit {
        sender.close()
        receiver.close()
        out.remove()
        sources.remove()
    }

    /// Sends `bytes` announced as `name` with the library's sender; returns the sender's report.
    func send(_ bytes: [UInt8], as name: String) throws -> TransferReport {
        sources.write("src", bytes)
        let fd = open(sources.file("src"), O_RDONLY)
        var options = DataChannelInit()
        options.protocol = TransferProtocol.subprotocol
        let channel = try sender.createDataChannel(label: name, options: options)
        let file = OutgoingFile(source: TransferSource(name: name, fd: fd, size: bytes.count), channel: channel,
                                loop: loop, progress: nil,
                                pieceSize: TransferProtocol.pieceSize(limit: sender.maxMessageSize))
        var report: TransferReport?
        file.onDone = { _, r, _ in report = r }
        file.start()
        let receivedBefore = received.count
        guard loop.advance(until: { report != nil && received.count > receivedBefore }, limit: .seconds(30)) else {
            throw TestFailure("the transfer of \(name.debugDescription) did not finish")
        }
        return report!
    }

    /// Sends raw protocol messages on a fresh channel (a hostile sender); returns the verdicts.
    func sendRaw(label: String, _ messages: [DataChannelMessage]) throws -> [[String: JSONValue]] {
        var options = DataChannelInit()
        options.protocol = TransferProtocol.subprotocol
        let channel = try sender.createDataChannel(label: label, options: options)
        var verdicts: [[String: JSONValue]] = []
        channel.onOpen = {
            for m in messages {
                switch m {
                case let .text(t): try? channel.send(text: t)
                case let .binary(b): try? channel.send(binary: b)
                }
            }
        }
        channel.onMessage = { m in
            if case let .text(t) = m, let o = TransferProtocol.decode(t) { verdicts.append(o) }
        }
        let before = received.count
        guard loop.advance(until: { !verdicts.isEmpty && received.count > before }, limit: .seconds(30)) else {
            throw TestFailure("no verdict on \(label.debugDescription)")
        }
        return verdicts
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func header(_ name: String, _ size: Int) -> DataChannelMessage {
    .text(TransferProtocol.encode(["type": "header", "name": .string(name), "size": .int(size)]))
}

func end(_ bytes: Int, _ sha: String) -> DataChannelMessage {
    .text(TransferProtocol.encode(["type": "end", "bytes": .int(bytes), "sha256": .string(sha)]))
}

/// Drives usrsctp on a ManualEventLoop: serialized with the other association suites (its clock
/// is process-wide, see `USRSCTPSuites`).
extension USRSCTPSuites {
/// rtc-transfer/1 between the library's sender and receiver, and against hostile senders.
@Suite struct TransferSessionTests {
    @Test func aFileArrivesVerifiedUnderItsName() throws {
        let w = try TransferWorld()
        let data = pattern(300_000)
        let sent = try w.send(data, as: "a.bin")
        #expect(sent.verified && sent.error == nil)
        #expect(sent.bytes == data.count && sent.sha256 == sha256Hex(data))
        let got = try #require(w.received.first)
        #expect(got.verified && got.name == "a.bin" && got.path == w.out.file("a.bin"))
        #expect(got.sha256 == sent.sha256)
        #expect(w.out.entries() == ["a.bin"], "no .part left")
        #expect(w.out.read("a.bin") == data)
    }

    @Test func emptyFileAndSeveralFilesInOneSession() throws {
        let w = try TransferWorld()
        #expect(try w.send([], as: "empty").verified)
        #expect(try w.send(pattern(70_000, seed: 2), as: "two").verified)
        #expect(w.out.entries() == ["empty", "two"])
        #expect(w.out.read("empty") == [])
    }

    /// A hostile name is refused at its header: nothing is created, in the directory or outside it.
    @Test(arguments: ["../escape", "/tmp/escape-abs", "a/../../escape", "..", "x.part", "nul\u{0}name"])
    func hostileNameIsRefusedAtItsHeader(_ name: String) throws {
        let w = try TransferWorld()
        let sent = try w.send(pattern(1000), as: name)
        #expect(!sent.verified)
        #expect(sent.error?.contains("refused name") == true, "\(sent.error ?? "")")
        #expect(w.out.entries().isEmpty)
        #expect(access(w.out.path + "/../escape", F_OK) != 0)
        #expect(access("/tmp/escape-abs", F_OK) != 0)
    }

    @Test func existingFileIsRefusedBeforeAnyByte() throws {
        let w = try TransferWorld()
        w.out.write("a.bin", [42])
        let sent = try w.send(pattern(1000), as: "a.bin")
        #expect(!sent.verified && sent.error?.contains("exists") == true)
        #expect(w.out.entries() == ["a.bin"])
        #expect(w.out.read("a.bin") == [42])
    }

    @Test func renameKeepsBothAndReportsTheNameWritten() throws {
        let w = try TransferWorld(policy: .rename)
        w.out.write("a.bin", [42])
        let data = pattern(5000)
        #expect(try w.send(data, as: "a.bin").verified)
        let got = try #require(w.received.first)
        #expect(got.name == "a (1).bin" && got.announced == "a.bin")
        #expect(w.out.read("a (1).bin") == data && w.out.read("a.bin") == [42])
    }

    /// One writer per name per session: the second announcement is refused, the first file stays.
    @Test func aNameIsAcceptedOncePerSession() throws {
        let w = try TransferWorld()
        let first = pattern(2000, seed: 1)
        #expect(try w.send(first, as: "a.bin").verified)
        let second = try w.send(pattern(2000, seed: 2), as: "a.bin")
        #expect(!second.verified && second.error?.contains("already announced") == true)
        #expect(w.out.read("a.bin") == first)
    }

    @Test func wrongHashLeavesOnlyThePart() throws {
        let w = try TransferWorld()
        let data = pattern(1000)
        let verdicts = try w.sendRaw(label: "c.bin", [header("c.bin", 1000), .binary(data), end(1000, String(repeating: "0", count: 64))])
        #expect(verdicts.first?["ok"] == .bool(false))
        #expect(verdicts.first?["error"]?.stringValue == "SHA-256 mismatch")
        #expect(verdicts.first?["sha256"]?.stringValue == sha256Hex(data), "the receiver reports what it got")
        #expect(w.out.entries() == ["c.bin.part"])
        #expect(w.received.first?.verified == false)
    }

    @Test func moreBytesThanAnnouncedFails() throws {
        let w = try TransferWorld()
        let verdicts = try w.sendRaw(label: "d", [header("d", 10), .binary(pattern(11))])
        #expect(verdicts.first?["error"]?.stringValue == "more bytes than announced (10)")
        #expect(!w.out.exists("d"))
    }

    @Test func byteCountMismatchFails() throws {
        let w = try TransferWorld()
        let data = pattern(100)
        let verdicts = try w.sendRaw(label: "e", [header("e", -1), .binary(data), end(99, sha256Hex(data))])
        #expect(verdicts.first?["error"]?.stringValue?.contains("byte count mismatch") == true)
        #expect(!w.out.exists("e"))
    }

    @Test func dataBeforeTheHeaderFails() throws {
        let w = try TransferWorld()
        let verdicts = try w.sendRaw(label: "f", [.binary([1, 2, 3])])
        #expect(verdicts.first?["error"]?.stringValue == "data before the header")
        #expect(w.out.entries().isEmpty)
    }

    @Test func garbageHeaderFails() throws {
        let w = try TransferWorld()
        let verdicts = try w.sendRaw(label: "g", [.text("{\"type\":\"hello\"}")])
        #expect(verdicts.first?["error"]?.stringValue?.hasPrefix("expected a header") == true)
    }

    /// `-o -`: the data goes to the output closure; `-o FILE` takes only the first file.
    @Test func stdoutAndSingleFileTargets() throws {
        let streamed = LockedValue<[UInt8]>([])
        let w = try TransferWorld(target: .stdout, output: { b in streamed.withLock { $0 += b } })
        let data = pattern(100_000)
        #expect(try w.send(data, as: "s").verified)
        #expect(streamed.value == data)
        #expect(w.received.first?.path == "-")

        let single = TempDirectory()
        defer { single.remove() }
        let v = try TransferWorld(target: .file(single.file("only")))
        #expect(try v.send([1, 2, 3], as: "first").verified)
        let second = try v.send([4], as: "second")
        #expect(!second.verified && second.error?.contains("single file") == true)
        #expect(single.read("only") == [1, 2, 3])
    }

    @Test func receiveTargetResolves() throws {
        let dir = TempDirectory()
        defer { dir.remove() }
        #expect(try ReceiveTarget.resolve("-") == .stdout)
        #expect(try ReceiveTarget.resolve(dir.path) == .directory(dir.path))
        #expect(try ReceiveTarget.resolve(dir.file("new") + "/") == .directory(dir.file("new") + "/"))
        #expect(dir.exists("new"))
        #expect(try ReceiveTarget.resolve(dir.file("f")) == .file(dir.file("f")))
        #expect(throws: TransferError.self) { try TransferSource.open(dir.path) }
        #expect(throws: TransferError.cannotOpen(dir.file("missing"), "No such file or directory")) {
            try TransferSource.open(dir.file("missing"))
        }
    }

    /// The documented summary line: keys sorted, figures rounded, optional keys only when set.
    @Test func summaryLineKeepsItsShape() {
        let r = TransferReport(name: "a", path: "out-a", bytes: 2_000_000, seconds: 0.5, sha256: "ab", verified: true,
                               error: nil, session: 2)
        #expect(r.jsonLine == #"{"bytes":2000000,"mb_per_s":4,"name":"a","path":"out-a","seconds":0.5,"session":2,"sha256":"ab","type":"file","verified":true}"#)
        let failed = TransferReport(name: "b", path: nil, bytes: 0, seconds: 0, sha256: "", verified: false,
                                    error: "no", announced: "c")
        #expect(failed.jsonLine == #"{"announced":"c","bytes":0,"error":"no","mb_per_s":0,"name":"b","seconds":0,"sha256":"","type":"file","verified":false}"#)
    }
}
}
