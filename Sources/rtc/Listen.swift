import FoundationEssentials
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling

struct Listen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Receive files sent with `rtc send` (or from the built-in browser page), verified with SHA-256.",
        discussion: """
            Answers a connection (or offers with --offer) and writes each file the peer sends \
            under its announced name in -o DIR (default: the current directory). Data goes to \
            NAME.part first and is moved to NAME only when its SHA-256 matches, so an \
            interrupted or corrupt transfer never looks complete. Names with a path separator, \
            `.`/`..`, control characters or a .part suffix are refused. -o FILE writes the (single) \
            file there; -o - streams the data to stdout (only with --signal off stdio), one file \
            at a time.

            One writer per name: a session accepts each name once; a second announcement of it \
            (in flight, verified or failed) is refused at its header. NAME.part is created \
            exclusively and locked until it is moved; an existing one still locked by another \
            transfer (this process or another rtc listen) refuses the file, a stale one (left by \
            a failed or killed transfer) is removed and the file received afresh. The write \
            descriptor is closed before the hash is compared and nothing is written after the \
            verdict.

            An existing file is never replaced: by default a file whose NAME exists is refused \
            when it is announced, before any byte is written (exit 1, naming it). --overwrite \
            replaces it once the new file is verified; --rename writes NAME (1).EXT, \
            NAME (2).EXT, ... instead, and the summary's "name" is the name written (the \
            sender's is in "announced"). The move to NAME never replaces a file that appears \
            meanwhile either (renameat2 RENAME_NOREPLACE).

            The protocol is described in `rtc send --help`. A JSON summary per file goes to \
            stdout ({"type":"file","name","path","bytes","seconds","mb_per_s","sha256","verified"}, \
            with "error" when not verified; to stderr with -o -). Exit status: 0 when every file \
            received was verified, 1 otherwise (a refused file counts).

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

    @Flag(help: "Replace a file whose name exists, once the new one is verified (default: refuse it).")
    var overwrite = false

    @Flag(help: "Write NAME (1).EXT, NAME (2).EXT, ... when NAME exists (default: refuse the file).")
    var rename = false

    var existingFilePolicy: ExistingFilePolicy { overwrite ? .overwrite : rename ? .rename : .refuse }

    @Option(help: ArgumentHelp("With a listening --signal, exit after N sessions (0: serve until stopped).",
                               valueName: "N"))
    var count = 0

    func validate() throws {
        if outputPath == "-" && signaling.signal.isStdio {
            throw ValidationError("-o - needs --signal off stdio: stdout carries signaling")
        }
        if signaling.signal.requiredRole != nil {
            throw ValidationError("WHIP/WHEP signaling is for rtc offer and rtc answer")
        }
        if count < 0 { throw ValidationError("--count must not be negative") }
        if overwrite && rename { throw ValidationError("--overwrite and --rename exclude each other") }
        if outputPath == "-" && (overwrite || rename) {
            throw ValidationError("--overwrite and --rename apply to files, not to -o -")
        }
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
    /// With -o -: one file at a time on stdout, whichever session sends it.
    private let stdoutClaim = ReceiveClaims.Stdout()
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
        peer.awaitedChannel = "the sender to open a channel (DCEP)"
        let claims = ReceiveClaims(stdout: stdoutClaim)
        peer.onChannel = { [self, weak peer] ch in
            peer?.channelOpened = true
            let file = IncomingFile(channel: ch, target: target, index: filesWritten, out: out, progress: progress,
                                    loop: loop, claims: claims, policy: command.existingFilePolicy)
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
    /// The names this session accepted, and stdout.
    let claims: ReceiveClaims
    let policy: ExistingFilePolicy
    var onFinish: ((Bool) -> Void)?
    private(set) var isFinished = false

    private enum Phase { case header, data, finishing }
    private var phase = Phase.header
    private var name = ""
    private var size: Int?
    /// Writes (and hashes) off the loop.
    private var sink: FileSink?
    /// The locked .part while the data arrives (nil for stdout).
    private var part: PartFile?
    private var holdsStdout = false
    private var partPath = ""
    /// Set once a file (or stdout) is ours: where the data goes.
    private var finalPath = ""
    /// The name written when --rename chose another than the announced one.
    private var renamedTo: String?
    /// A message arrived after the trailer, while the writer was finishing.
    private var lateMessage: String?
    private var received = 0
    private var started = 0.0

    init(channel: DataChannel, target: ReceiveTarget, index: Int, out: StdoutWriter, progress: ProgressBar,
         loop: PollEventLoop, claims: ReceiveClaims, policy: ExistingFilePolicy) {
        self.loop = loop
        self.claims = claims
        self.policy = policy
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
            // One writer per name: a second channel announcing it could write into the file
            // after the first one's verdict.
            guard claims.claim(n) else {
                fail("refused a second file named \(n.debugDescription): the name was already announced in this session",
                     tellPeer: true)
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
            // The writer is finishing (fsync): fail the file when it is done, without waiting here.
            if lateMessage == nil { lateMessage = "data after the end" }
        }
    }

    /// Claims where the data goes (refusing the file, before any byte, when it cannot be had).
    private func openSink() -> Bool {
        let path: String
        switch target {
        case .stdout:
            guard claims.stdout.take() else {
                fail("stdout carries another file now; one file at a time", tellPeer: true)
                return false
            }
            holdsStdout = true
            finalPath = "-"
            sink = FileSink(fd: -1, out: out)
            return true
        case let .directory(dir):
            path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        case let .file(file):
            guard index == 0 else {
                fail("-o names a single file; refusing a second one", tellPeer: true)
                return false
            }
            path = file
        }
        do {
            let p = try PartFile.create(for: path, policy: policy)
            part = p
            partPath = p.partPath
            finalPath = p.finalPath
            sink = FileSink(fd: p.writeFD, out: nil)
            return true
        } catch let r as PartFile.Refusal {
            fail(r.message, tellPeer: true)
        } catch {
            fail("cannot create \(path).part: \(error)", tellPeer: true)
        }
        return false
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
        // The sink has closed the file: nothing can be written to it from here on.
        sink = nil
        var error: String?
        if let lateMessage { error = lateMessage }
        else if let writeError { error = "\(partPath): \(writeError)" }
        else if claimedBytes != received { error = "byte count mismatch: got \(received), sender says \(claimedBytes ?? -1)" }
        else if let size, size != received { error = "size mismatch: announced \(size), got \(received)" }
        else if claimedHash != digest { error = "SHA-256 mismatch" }
        if let part {
            if error == nil {
                error = part.commit()
                if error == nil && part.finalPath != part.requestedPath {
                    finalPath = part.finalPath
                    renamedTo = String(finalPath.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
                }
            }
            part.release()
            self.part = nil
        }
        releaseStdout()
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
        let line = TransferProtocol.summary(name: renamedTo ?? name, path: finalPath.isEmpty ? nil : finalPath,
                                            bytes: received, seconds: seconds, sha256: digest, verified: ok, error: error,
                                            announced: renamedTo == nil ? nil : name)
        if case .stdout = target { printError(line) } else { out.writeLine(line) }
        if let error { printError("rtc: \(name.isEmpty ? channel.label : name): \(error)") }
        onFinish?(ok)
    }

    /// Fails this file: the .part stays (unlocked), the peer hears why (if asked). The writer
    /// has stopped before the verdict goes out.
    private func fail(_ error: String, tellPeer: Bool) {
        guard !isFinished else { return }
        sink?.abort()
        sink = nil
        part?.release()
        part = nil
        releaseStdout()
        progress.done()
        if tellPeer {
            try? channel.send(text: TransferProtocol.encode(["type": "verdict", "ok": false, "bytes": .int(received),
                                                             "sha256": "", "error": .string(error)]))
        }
        report(ok: false, digest: "", error: error)
    }

    private func releaseStdout() {
        if holdsStdout { claims.stdout.release() }
        holdsStdout = false
    }

    /// The connection ended mid-file.
    func abandon() {
        fail("connection ended before the end of the file", tellPeer: false)
    }
}
