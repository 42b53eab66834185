import ArgumentParser
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
        if peer.verbose { Log.level = .debug }
        let runner: TransferListenRunner
        let out = StdoutWriter()
        do {
            let target: ReceiveTarget
            do { target = try ReceiveTarget.resolve(outputPath) } catch let e as TransferError {
                throw CLIError(e.exitStatus, e.description)
            }
            runner = TransferListenRunner(
                target: target, role: offer ? .offer : .answer, configuration: try peer.configuration(),
                connectTimeout: peer.connectTimeout, policy: existingFilePolicy,
                progress: ProgressBar(enabled: output.progressEnabled), closing: WebSocketSignaling.closing,
                output: { out.write($0) }, log: logError,
                onFile: { report, label in
                    // With -o - the data is on stdout: the summary goes to stderr.
                    if case .stdout = target { printError(report.jsonLine) } else { out.writeLine(report.jsonLine) }
                    if let error = report.error { logError("\(report.name.isEmpty ? label : report.name): \(error)") }
                })
        } catch let e as CLIError { e.exit() }
        let trap = SignalTrap { runner.interrupt(signal: $0) }
        defer { withExtendedLifetime(trap) {} }
        let status: Int32
        if signaling.signal.isListening {
            let options = signaling.serveOptions(expecting: offer ? .answer : .offer, verbose: peer.verbose)
            status = runner.serve(signaling.signal, options: options, limit: count, verbose: peer.verbose)
        } else {
            let link: SignalingLink
            do { link = try signaling.connect(out: out, peer: peer) } catch let e as CLIError { e.exit() }
            status = runner.run(link: link)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
