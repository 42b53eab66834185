import FoundationEssentials
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling
import RTCTransfer

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
            do { target = try ReceiveTarget.resolve(command.outputPath) } catch let e as TransferError { throw CLIError(e) }
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
            for p in peers.values { p.end(.ended(status, nil)) }
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
        let waiting = peers.values.filter { (($0.link as? TransferLink)?.link as? GatedLink)?.exchanged == false }.count
        if let gated = link as? GatedLink, !gated.exchanged, waiting >= HandshakeGate.defaultMaxPending {
            link.close()
            return
        }
        let peer = TransferPeer(role: command.offer ? .offer : .answer, loop: loop, configuration: configuration,
                                link: TransferLink(link), connectTimeout: command.peer.connectTimeout)
        let id = ObjectIdentifier(peer)
        peers[id] = peer
        let receiver = TransferReceiver(
            peer: peer, target: target, claims: ReceiveClaims(stdout: stdoutClaim), policy: command.existingFilePolicy,
            loop: loop, progress: progress, output: { [out] in out.write($0) },
            nextIndex: { [self] in defer { filesWritten += 1 }; return filesWritten })
        receiver.onFile = { [self] report, label in
            if case .stdout = target { printError(report.jsonLine) } else { out.writeLine(report.jsonLine) }
            if let error = report.error { printError("rtc: \(report.name.isEmpty ? label : report.name): \(error)") }
        }
        peer.onEnd = { [self] end in
            let (status, message) = end.exit
            peers[id] = nil
            receiver.abandonUnfinished()
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
