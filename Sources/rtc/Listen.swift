import FoundationEssentials
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC

struct Listen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive files sent with `rtc send` (or from the built-in browser page), verified with SHA-256.",
        discussion: """
            Answers a connection (or offers with --offer) and writes each file the peer sends \
            under its announced name in -o DIR (default: the current directory). Data goes to \
            NAME.part first and is renamed to NAME only when its SHA-256 matches, so an \
            interrupted or corrupt transfer never looks complete. Names with a path separator, \
            `.`/`..`, control characters or a .part suffix are refused. -o FILE writes the (single) \
            file there; -o - streams the data to stdout (only with --signal off stdio).

            The protocol is described in `rtc send --help`. A JSON summary per file goes to \
            stdout ({"type":"file","name","path","bytes","seconds","mb_per_s","sha256","verified"}; \
            to stderr with -o -). Exit status: 0 when every file received was verified, 1 otherwise.

            With --signal tcp-listen:// or ws-listen:// it serves peers one after another, several \
            at once, until stopped (SIGINT/SIGTERM) or --count sessions have ended. A sender must \
            send its offer within --signal-timeout of connecting; garbage or silence drops the \
            connection without counting toward --count.

            Received data is hashed and written (and finally fsynced) on a writer thread, not \
            on the network loop; at most 16 MiB per file wait for the disk, beyond which \
            receiving pauses until the disk catches up.
            """
    )

    @OptionGroup var peer: PeerOptions
    @OptionGroup var signaling: SignalOptions
    @OptionGroup var output: TransferOutputOptions

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp(
        "Directory for received files (created if missing), a file name for a single file, or - for stdout.",
        valueName: "DIR|FILE|-"))
    var outputPath = "."

    @Flag(help: "Offer the connection instead of answering.")
    var offer = false

    @Option(help: ArgumentHelp("With a listening --signal, exit after N sessions (0: serve until stopped).",
                               valueName: "N"))
    var count = 0

    func validate() throws {
        if outputPath == "-" && signaling.signal.isStdio {
            throw ValidationError("-o - needs --signal off stdio: stdout carries signaling")
        }
        if count < 0 { throw ValidationError("--count must not be negative") }
    }

    func run() throws {
        Interruption.shared.arm() // before any wait, so no SIGINT/SIGTERM slips past one
        let status = ListenSession(command: self).run()
        if status != 0 { throw ExitCode(status) }
    }
}

/// Where received files go.
enum ReceiveTarget {
    case directory(String)
    case file(String)
    case stdout

    static func resolve(_ path: String) throws -> ReceiveTarget {
        if path == "-" { return .stdout }
        var info = stat()
        if stat(path, &info) == 0 {
            return (info.st_mode & S_IFMT) == S_IFDIR ? .directory(path) : .file(path)
        }
        if path.hasSuffix("/") || path == "." {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw CLIError(.failure, "cannot create \(path): \(error)")
            }
            return .directory(path)
        }
        return .file(path)
    }
}

/// Runs `rtc listen`: one session, or a server of sessions.
final class ListenSession: @unchecked Sendable {
    let command: Listen
    let loop = PollEventLoop()
    let out = StdoutWriter()
    let latch = ExitLatch()
    let progress: ProgressBar
    private var target: ReceiveTarget = .directory(".")
    private var configuration = PeerConnection.Configuration()
    private var sessionsEnded = 0
    private var worst: Int32 = 0
    private var filesWritten = 0
    private var peers: [ObjectIdentifier: TransferPeer] = [:]
    private var trap: SignalTrap?

    init(command: Listen) {
        self.command = command
        progress = ProgressBar(enabled: command.output.progressEnabled)
    }

    func run() -> Int32 {
        if command.peer.verbose { Log.level = .debug }
        do {
            target = try ReceiveTarget.resolve(command.outputPath)
            configuration = try command.peer.configuration()
        } catch let e as CLIError {
            printError("rtc: " + e.message)
            return e.status.rawValue
        } catch { return ExitStatus.failure.rawValue }
        loop.start()
        let url = command.signaling.signal
        var server: AnyObject?
        if url.isListening {
            trap = SignalTrap { [self] _ in loop.execute { [self] in latch.finish(worst, nil) } }
            do {
                let options = command.signaling.serveOptions(expecting: command.offer ? .answer : .offer,
                                                             verbose: command.peer.verbose)
                server = try SignalingConnector.serve(url, options: options) { [self] link in
                    loop.execute { [self] in startPeer(link, single: false) }
                }
            } catch let e as CLIError {
                printError("rtc: " + e.message)
                return e.status.rawValue
            } catch { return ExitStatus.failure.rawValue }
        } else {
            trap = SignalTrap { [self] sig in latch.finish(sig == SIGINT ? 130 : 143, nil) }
            do {
                let link = try SignalingConnector.connectOne(url, out: out, peer: command.peer, latch: latch)
                loop.execute { [self] in startPeer(link, single: true) }
            } catch let e as CLIError {
                printError("rtc: " + e.message)
                return e.status.rawValue
            } catch { return ExitStatus.failure.rawValue }
        }
        let status = latch.wait()
        (server as? TCPSignalingListener)?.close()
        (server as? ClosableServer)?.closeServer()
        // End every peer, then let the loop run what that queued (their last packets) before
        // exiting, and the WebSocket closes leave.
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            for p in peers.values { p.end(status, nil) }
            loop.execute { done.signal() }
        }
        _ = done.wait(timeout: .now() + 1)
        WebSocketSignaling.awaitClosing(within: 1)
        return status
    }

    /// Loop thread.
    private func startPeer(_ link: SignalingLink, single: Bool) {
        // Sessions run at once here: with --offer, peers that have not answered yet are capped
        // like the handshakes (each holds a peer connection until --signal-timeout).
        let waiting = peers.values.filter { ($0.link as? GatedLink)?.exchanged == false }.count
        if let gated = link as? GatedLink, !gated.exchanged, waiting >= HandshakeGate.defaultMaxPending {
            link.close()
            return
        }
        let peer = TransferPeer(role: command.offer ? .offer : .answer, loop: loop, configuration: configuration,
                                link: link, connectTimeout: command.peer.connectTimeout)
        let id = ObjectIdentifier(peer)
        peers[id] = peer
        var files: [IncomingFile] = []
        var failed = false
        peer.onChannel = { [self, weak peer] ch in
            let file = IncomingFile(channel: ch, target: target, index: filesWritten, out: out, progress: progress,
                                    loop: loop)
            filesWritten += 1
            file.onFinish = { ok in if !ok { failed = true } }
            files.append(file)
            _ = peer
        }
        peer.onPeerGone = { [weak peer] isFailure, reason in
            let incomplete = files.contains { !$0.isFinished }
            for f in files where !f.isFinished { f.abandon() }
            // A peer that aborts after every file was verified (aiortc closes with an SCTP
            // ABORT) ended normally; a failure with nothing received did not.
            let bad = failed || incomplete || (isFailure && files.isEmpty)
            peer?.end(bad ? ExitStatus.failure.rawValue : 0,
                      bad ? "transfer incomplete" + (reason.map { ": \($0)" } ?? "") : nil)
        }
        peer.onEnd = { [self] status, message in
            peers[id] = nil
            for f in files where !f.isFinished { f.abandon() }
            if single {
                latch.finish(status, message)
                return
            }
            if (link as? GatedLink)?.exchanged == false && !latch.isFinished {
                // No offer/answer exchange (silence or garbage after our offer): not a session.
                if command.peer.verbose { printError("rtc: a peer left before the offer/answer exchange (not counted)") }
                return
            }
            if let message { printError("rtc: " + message) }
            worst = max(worst, status)
            sessionsEnded += 1
            if command.count > 0 && sessionsEnded >= command.count { latch.finish(worst, nil) }
        }
        peer.start()
    }
}

/// A server object that can be closed (the WebSocket listener).
protocol ClosableServer: AnyObject {
    func closeServer()
}

/// Receives one file on one channel (loop thread), per the rtc-transfer/1 protocol.
final class IncomingFile {
    let channel: DataChannel
    let target: ReceiveTarget
    let index: Int
    let out: StdoutWriter
    let progress: ProgressBar
    let loop: PollEventLoop
    var onFinish: ((Bool) -> Void)?
    private(set) var isFinished = false

    private enum Phase { case header, data, finishing }
    private var phase = Phase.header
    private var name = ""
    private var size: Int?
    /// Writes (and hashes) off the loop.
    private var sink: FileSink?
    private var partPath = ""
    private var finalPath = ""
    private var received = 0
    private var started = 0.0

    init(channel: DataChannel, target: ReceiveTarget, index: Int, out: StdoutWriter, progress: ProgressBar,
         loop: PollEventLoop) {
        self.loop = loop
        self.channel = channel
        self.target = target
        self.index = index
        self.out = out
        self.progress = progress
        channel.onMessage = { [self] m in receive(m) }
        channel.onClose = { [self] in
            if !isFinished { fail("channel closed before the end of the file", tellPeer: false) }
        }
    }

    private func receive(_ m: DataChannelMessage) {
        guard !isFinished else { return }
        switch (phase, m) {
        case let (.header, .text(t)):
            guard let o = TransferProtocol.decode(t), o["type"]?.stringValue == "header", let n = o["name"]?.stringValue else {
                fail("expected a header, got \(t.prefix(60))", tellPeer: true)
                return
            }
            name = n
            if let s = o["size"]?.intValue, s >= 0 { size = s }
            if let problem = TransferProtocol.nameProblem(n) {
                fail("refused name \(n.debugDescription): \(problem)", tellPeer: true)
                return
            }
            guard openSink() else { return }
            started = ProgressBar.now()
            phase = .data
        case let (.data, .binary(b)):
            if let problem = sink?.write(b) {
                fail("\(partPath.isEmpty ? "stdout" : partPath): \(problem)", tellPeer: true)
                return
            }
            received += b.count
            if let size, received > size {
                fail("more bytes than announced (\(size))", tellPeer: true)
                return
            }
            progress.update(name: name, bytes: received, total: size, started: started)
        case let (.data, .text(t)):
            guard let o = TransferProtocol.decode(t), o["type"]?.stringValue == "end" else {
                fail("unexpected message \(t.prefix(60))", tellPeer: true)
                return
            }
            finishFile(claimedBytes: o["bytes"]?.intValue, claimedHash: o["sha256"]?.stringValue)
        case (.header, .binary):
            fail("data before the header", tellPeer: true)
        case (.finishing, _):
            fail("data after the end", tellPeer: true)
        }
    }

    private func openSink() -> Bool {
        switch target {
        case .stdout:
            finalPath = "-"
            sink = FileSink(fd: -1, out: out)
            return true
        case let .directory(dir):
            finalPath = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        case let .file(path):
            guard index == 0 else {
                fail("-o names a single file; refusing a second one", tellPeer: true)
                return false
            }
            finalPath = path
        }
        partPath = finalPath + ".part"
        let fd = open(partPath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            fail("cannot create \(partPath): \(String(cString: strerror(errno)))", tellPeer: true)
            return false
        }
        sink = FileSink(fd: fd, out: nil)
        return true
    }

    /// The sender's trailer: once the writer has written and synced everything (off the
    /// loop), check and rename on the loop.
    private func finishFile(claimedBytes: Int?, claimedHash: String?) {
        guard let sink else { return }
        phase = .finishing
        sink.finish { [self] writeError, digest in
            loop.execute { [self] in
                completeFile(claimedBytes: claimedBytes, claimedHash: claimedHash, writeError: writeError, digest: digest)
            }
        }
    }

    private func completeFile(claimedBytes: Int?, claimedHash: String?, writeError: String?, digest: String) {
        guard !isFinished else { return }
        sink = nil
        var error: String?
        if let writeError { error = "\(partPath): \(writeError)" }
        else if claimedBytes != received { error = "byte count mismatch: got \(received), sender says \(claimedBytes ?? -1)" }
        else if let size, size != received { error = "size mismatch: announced \(size), got \(received)" }
        else if claimedHash != digest { error = "SHA-256 mismatch" }
        if !partPath.isEmpty {
            if error == nil && rename(partPath, finalPath) != 0 {
                error = "cannot rename to \(finalPath): \(String(cString: strerror(errno)))"
            }
        }
        progress.update(name: name, bytes: received, total: size, started: started, force: true)
        progress.done()
        var verdict: [String: JSONValue] = ["type": "verdict", "ok": .bool(error == nil), "bytes": .int(received),
                                            "sha256": .string(digest)]
        if let error { verdict["error"] = .string(error) }
        try? channel.send(text: TransferProtocol.encode(verdict))
        report(ok: error == nil, digest: digest, error: error)
    }

    private func report(ok: Bool, digest: String, error: String?) {
        isFinished = true
        let seconds = started > 0 ? ProgressBar.now() - started : 0
        let line = TransferProtocol.summary(name: name, path: finalPath.isEmpty ? nil : finalPath, bytes: received,
                                            seconds: seconds, sha256: digest, verified: ok, error: error)
        if case .stdout = target { printError(line) } else { out.writeLine(line) }
        if let error { printError("rtc: \(name.isEmpty ? channel.label : name): \(error)") }
        onFinish?(ok)
    }

    /// Fails this file: the .part stays, the peer hears why (if asked).
    private func fail(_ error: String, tellPeer: Bool) {
        guard !isFinished else { return }
        sink?.abort()
        sink = nil
        progress.done()
        if tellPeer {
            try? channel.send(text: TransferProtocol.encode(["type": "verdict", "ok": false, "bytes": .int(received),
                                                             "sha256": "", "error": .string(error)]))
        }
        report(ok: false, digest: "", error: error)
    }

    /// The connection ended mid-file.
    func abandon() {
        fail("connection ended before the end of the file", tellPeer: false)
    }
}
