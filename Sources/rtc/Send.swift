import ArgumentParser
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
        if peer.verbose { Log.level = .debug }
        let configuration: PeerConnection.Configuration
        do {
            // Fail early on a missing file, whatever the signaling.
            try TransferSendRunner.checkSources(files)
            configuration = try peer.configuration()
        } catch let e as TransferError {
            CLIError(e.exitStatus, e.description).exit()
        } catch let e as CLIError { e.exit() }
        let out = StdoutWriter()
        let runner = TransferSendRunner(
            paths: files, announceAs: announceAs, role: answer ? .answer : .offer, configuration: configuration,
            connectTimeout: peer.connectTimeout, progress: ProgressBar(enabled: output.progressEnabled),
            closing: WebSocketSignaling.closing, log: logError, onFile: { out.writeLine($0.jsonLine) })
        let trap = SignalTrap { runner.interrupt(signal: $0) }
        defer { withExtendedLifetime(trap) {} }
        let status: Int32
        if signaling.signal.isListening {
            let options = signaling.serveOptions(expecting: answer ? .offer : .answer, verbose: peer.verbose, page: "send")
            // stdin can be read once: `-` serves one receiver.
            status = runner.serve(signaling.signal, options: options, limit: files.contains("-") ? 1 : count,
                                  verbose: peer.verbose)
        } else {
            let link: SignalingLink
            do { link = try signaling.connect(out: out, peer: peer) } catch let e as CLIError { e.exit() }
            status = runner.run(link: link)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
