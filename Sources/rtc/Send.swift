import FoundationEssentials
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling
import RTCTransfer

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send files (or stdin) to a peer over data channels, checked end to end with SHA-256.",
        discussion: """
            Offers a connection (or answers with --answer), then sends each FILE on its own \
            data channel, one after another; `-` sends stdin as a stream (only with --signal off \
            stdio). Exits 0 only when the receiver confirmed every file intact, 1 otherwise.

            Protocol (rtc-transfer/1): one reliable ordered channel per file, labelled with \
            the file name. The sender writes a text header {"type":"header","name":N,"size":S} \
            (size -1 for a stream), then binary chunks of at most 65,535 bytes (fewer when the receiver's \
            a=max-message-size is smaller; pion reads no more), then a text trailer \
            {"type":"end","bytes":B,"sha256":H}. The receiver answers on the same channel with \
            {"type":"verdict","ok":true|false,"bytes":B,"sha256":H} (and "error" when not ok) \
            and the sender closes the channel. Sending waits while the channel's buffered amount \
            is above 4 MiB, so memory stays bounded whatever the file size.

            With stdio signaling our description is the first stdout line and the peer's the \
            first stdin line. A JSON summary per file follows on stdout: \
            {"type":"file","name","bytes","seconds","mb_per_s","sha256","verified"}. A progress \
            bar goes to stderr when it is a terminal (--progress forces it, --quiet hides it).

            With --signal tcp-listen:// or ws-listen:// it is a server: receivers are served \
            one after another (a receiver that connects while another is served waits its turn), \
            each getting every FILE again from the start, until stopped (SIGINT/SIGTERM) or \
            --count sessions have ended (a receiver that sends garbage or does not answer within \
            --signal-timeout is dropped and not counted). Each summary line then carries "session":N (1, 2, ...). \
            Stdin can be read only once, so `-` serves a single receiver. The exit status is the \
            worst of the sessions' (0 when every receiver confirmed every file); a signal while \
            idle exits with that, a signal mid-session ends that session with 130/143.

            Two processes over fifos:
              mkfifo a b
              rtc send --ice-host 127.0.0.1 big.iso <b >a &
              rtc listen --ice-host 127.0.0.1 -o downloads >b <a
            """
    )

    @OptionGroup var peer: PeerOptions
    @OptionGroup var signaling: SignalOptions
    @OptionGroup var output: TransferOutputOptions

    @Flag(help: "Answer the peer's offer instead of offering.")
    var answer = false

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Announce the (single) file under this name instead of its own (stdin is announced as 'stdin').",
        valueName: "NAME"))
    var announceAs: String?

    @Option(help: ArgumentHelp("With a listening --signal, exit after N sessions (0: serve until stopped).",
                               valueName: "N"))
    var count = 0

    @Argument(help: ArgumentHelp("Files to send; - for stdin.", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one FILE (or - for stdin)") }
        if announceAs != nil && files.count != 1 { throw ValidationError("--as names a single FILE") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("- (stdin) may be named once") }
        if count < 0 { throw ValidationError("--count must not be negative") }
        if count > 1 && files.contains("-") {
            throw ValidationError("- (stdin) can be sent once: --count must be 0 or 1")
        }
        if files.contains("-") && signaling.signal.isStdio {
            throw ValidationError("sending stdin (-) needs --signal off stdio: stdin carries signaling")
        }
        if signaling.signal.requiredRole != nil {
            throw ValidationError("WHIP/WHEP signaling is for rtc offer and rtc answer")
        }
    }

    func run() throws {
        Interruption.shared.arm() // before any wait, so no SIGINT/SIGTERM slips past one
        let status = SendSession(command: self).run()
        if status != 0 { throw ExitCode(status) }
    }
}

/// Runs `rtc send`: one peer, the files one after another; with a listening `--signal`, one
/// receiver after another, each getting every file again.
final class SendSession: @unchecked Sendable {
    let command: Send
    let loop = PollEventLoop()
    let out = StdoutWriter()
    let progress: ProgressBar
    private var paths: [String] = []
    private var trap: SignalTrap?

    // Shared with the signal handler.
    private let stateLock = Lock()
    private var latch = ExitLatch()
    private var interrupted: Int32?

    init(command: Send) {
        self.command = command
        progress = ProgressBar(enabled: command.output.progressEnabled)
    }

    private func fail(_ e: CLIError) -> Int32 {
        printError("rtc: " + e.message)
        return e.status.rawValue
    }

    /// Opens every file (once per session: each receiver reads them from the start).
    private func openSources() throws -> [TransferSource] {
        var opened: [TransferSource] = []
        do {
            for p in paths { opened.append(try TransferSource.open(p)) }
        } catch let e as TransferError {
            for s in opened where s.fd > 2 { Glibc.close(s.fd) }
            throw CLIError(e)
        } catch {
            for s in opened where s.fd > 2 { Glibc.close(s.fd) }
            throw error
        }
        if let name = command.announceAs { opened[0].name = name }
        return opened
    }

    func run() -> Int32 {
        if command.peer.verbose { Log.level = .debug }
        paths = command.files
        let configuration: PeerConnection.Configuration
        do {
            // Fail early on a missing file, whatever the signaling.
            for s in try openSources() where s.fd > 2 { Glibc.close(s.fd) }
            configuration = try command.peer.configuration()
        } catch let e as CLIError {
            return fail(e)
        } catch { return ExitStatus.failure.rawValue }

        WebSocketSignaling.pageMode = "send"
        loop.start()
        let url = command.signaling.signal
        guard url.isListening else {
            trap = SignalTrap { [self] sig in
                stateLock.lock()
                interrupted = sig == SIGINT ? 130 : 143
                stateLock.unlock()
                currentLatch().finish(sig == SIGINT ? 130 : 143, nil)
            }
            let link: SignalingLink
            do {
                link = try SignalingConnector.connectOne(url, out: out, peer: command.peer, latch: latch)
            } catch let e as CLIError {
                return fail(e)
            } catch { return ExitStatus.failure.rawValue }
            return runSession(link, configuration: configuration)
        }

        // A server: receivers one after another until stopped or --count sessions.
        let queue = LinkQueue()
        let server: AnyObject
        do {
            server = try SignalingConnector.serve(
                url, options: command.signaling.serveOptions(expecting: command.answer ? .offer : .answer,
                                                             verbose: command.peer.verbose)) { link in queue.put(link) }
        } catch let e as CLIError {
            return fail(e)
        } catch { return ExitStatus.failure.rawValue }
        trap = SignalTrap { [self] sig in
            queue.stop()
            stateLock.lock()
            interrupted = sig == SIGINT ? 130 : 143
            stateLock.unlock()
            currentLatch().finish(sig == SIGINT ? 130 : 143, "interrupted")
        }
        // stdin can be read once: `-` serves one receiver.
        let limit = command.files.contains("-") ? 1 : command.count
        var worst: Int32 = 0
        var served = 0
        while limit == 0 || served < limit {
            guard let link = queue.take() else { break }
            served += 1
            let status = runSession(link, configuration: configuration, index: served)
            if !link.exchanged && !queue.isStopped {
                // No offer/answer exchange (silence or garbage after our offer): not a session.
                served -= 1
                if command.peer.verbose {
                    printError("rtc: a receiver left before the offer/answer exchange (not counted)")
                }
                continue
            }
            worst = max(worst, status)
            if command.peer.verbose || status != 0 {
                printError("rtc: session \(served) ended with status \(status)")
            }
        }
        queue.stop()
        closeSignalServer(server)
        return worst
    }

    private func currentLatch() -> ExitLatch {
        stateLock.lock()
        defer { stateLock.unlock() }
        return latch
    }

    /// One receiver: every file, one after another. Blocks; returns the session's status.
    private func runSession(_ link: SignalingLink, configuration: PeerConnection.Configuration,
                            index: Int? = nil) -> Int32 {
        stateLock.lock()
        let latch = ExitLatch()
        self.latch = latch
        let stoppedBefore = interrupted
        stateLock.unlock()
        if let stoppedBefore {
            link.close()
            return stoppedBefore
        }
        let opened: [TransferSource]
        do { opened = try openSources() } catch let e as CLIError {
            link.close()
            return fail(e)
        } catch {
            link.close()
            return ExitStatus.failure.rawValue
        }
        let peer = TransferPeer(role: command.answer ? .answer : .offer, loop: loop, configuration: configuration,
                                link: TransferLink(link), connectTimeout: command.peer.connectTimeout)
        let sender = TransferSender(peer: peer, sources: opened, loop: loop, progress: progress, session: index)
        sender.onFile = { [out] report in out.writeLine(report.jsonLine) }
        peer.onEnd = { end in
            let (status, message) = end.exit
            // A served receiver that never answered is dropped, not a session: no error line.
            let dropped = index != nil && (link as? GatedLink)?.exchanged == false
            latch.finish(status, dropped ? nil : message.map { m in index.map { "session \($0): \(m)" } ?? m })
        }
        peer.start()
        let status = latch.wait()
        let cleaned = DispatchSemaphore(value: 0)
        loop.execute { [loop] in
            peer.end(.ended(status, nil))
            sender.stop()
            // After the tasks that ending queued (the last packets).
            loop.execute { cleaned.signal() }
        }
        _ = cleaned.wait(timeout: .now() + 2)
        WebSocketSignaling.awaitClosing(within: 1)
        return status
    }
}
