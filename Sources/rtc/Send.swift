import FoundationEssentials
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling

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

/// What `rtc send` reads: an open file descriptor with its announced name and size.
struct TransferSource {
    var name: String
    let fd: Int32
    /// nil for a stream (stdin or a pipe).
    let size: Int?
    var isStream: Bool { size == nil }

    static func open(_ path: String) throws -> TransferSource {
        if path == "-" { return TransferSource(name: "stdin", fd: 0, size: nil) }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError(.dataError, "cannot open \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        fstat(fd, &st)
        if (st.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw CLIError(.dataError, "\(path) is a directory")
        }
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let name = URL(fileURLWithPath: path).lastPathComponent
        return TransferSource(name: name, fd: fd, size: regular ? Int(st.st_size) : nil)
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

    // Per session, loop thread.
    private var sources: [TransferSource] = []
    private var next = 0
    private var peer: TransferPeer?
    private var current: OutgoingFile?
    private var session: Int?

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
                                link: link, connectTimeout: command.peer.connectTimeout)
        let started = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            sources = opened
            next = 0
            current = nil
            session = index
            self.peer = peer
            started.signal()
        }
        started.wait()
        peer.onReady = { [self] pc in startNext(pc) }
        peer.onEnd = { status, message in
            // A served receiver that never answered is dropped, not a session: no error line.
            let dropped = index != nil && (link as? GatedLink)?.exchanged == false
            latch.finish(status, dropped ? nil : message.map { m in index.map { "session \($0): \(m)" } ?? m })
        }
        peer.onPeerGone = { [self] failed, reason in
            if let current {
                current.abort("the receiver went away" + (reason.map { ": \($0)" } ?? ""))
            } else if next < sources.count {
                peer.end(ExitStatus.failure.rawValue,
                         "the receiver went away before confirming every file" + (reason.map { ": \($0)" } ?? ""))
            }
        }
        peer.start()
        let status = latch.wait()
        let cleaned = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            peer.end(status, nil)
            current?.abort("session ended")
            current = nil
            for s in sources[next...] where s.fd > 2 { Glibc.close(s.fd) }
            sources = []
            self.peer = nil
            // After the tasks that ending queued (the last packets).
            loop.execute { cleaned.signal() }
        }
        _ = cleaned.wait(timeout: .now() + 2)
        WebSocketSignaling.awaitClosing(within: 1)
        return status
    }

    private func startNext(_ pc: PeerConnection) {
        guard next < sources.count else {
            // Every file confirmed: give the last close a moment to leave, then end.
            let peer = self.peer
            loop.schedule(in: .milliseconds(100)) { peer?.end(0, nil) }
            return
        }
        let source = sources[next]
        next += 1
        var options = DataChannelInit()
        options.protocol = TransferProtocol.subprotocol
        do {
            let ch = try pc.createDataChannel(label: source.name, options: options)
            let file = OutgoingFile(source: source, channel: ch, loop: loop, progress: progress,
                                    pieceSize: TransferProtocol.pieceSize(limit: pc.maxMessageSize))
            file.session = session
            current = file
            let peer = self.peer
            peer?.awaitedChannel = "the receiver to acknowledge channel '\(source.name)' (DCEP)"
            file.onOpen = { peer?.channelOpened = true }
            // Later files open while the connection is up: each gets the connect timeout too.
            let timeout = command.peer.connectTimeout
            loop.schedule(in: .milliseconds(Int64(timeout * 1000))) { [weak file] in
                file?.openTimedOut(after: timeout)
            }
            file.onDone = { [self] ok, summary, error in
                if current === file { current = nil }
                out.writeLine(summary)
                if ok {
                    if self.peer === peer { startNext(pc) }
                } else {
                    peer?.end(file.timedOut ? ExitStatus.timeout.rawValue : ExitStatus.failure.rawValue,
                              "\(source.name): \(error ?? "not confirmed")")
                }
            }
            file.start()
        } catch {
            if source.fd > 2 { Glibc.close(source.fd) }
            peer?.end(ExitStatus.failure.rawValue, "cannot open a channel: \(error)")
        }
    }
}

/// Sends one source on one channel (loop thread): header, chunks under back-pressure, trailer,
/// then waits for the receiver's verdict.
final class OutgoingFile {
    let source: TransferSource
    let channel: DataChannel
    let loop: PollEventLoop
    let progress: ProgressBar
    /// The server session this file belongs to (in its summary), when serving.
    var session: Int?
    /// ok, summary line, error.
    var onDone: ((Bool, String, String?) -> Void)?
    var onOpen: (() -> Void)?
    /// The receiver never acknowledged the channel within the connect timeout.
    private(set) var timedOut = false

    private let hash = SHA256Stream()
    private var digest = ""
    private var sent = 0
    private var eof = false
    private var started = 0.0
    private var watching = false
    private var finished = false
    private var buffer: [UInt8]
    private let highWater = 4 << 20

    /// `pieceSize`: the largest binary message, at most the receiver's limit.
    init(source: TransferSource, channel: DataChannel, loop: PollEventLoop, progress: ProgressBar, pieceSize: Int) {
        buffer = [UInt8](repeating: 0, count: pieceSize)
        self.source = source
        self.channel = channel
        self.loop = loop
        self.progress = progress
    }

    func start() {
        channel.bufferedAmountLowThreshold = highWater / 2
        channel.onOpen = { [self] in
            onOpen?()
            started = ProgressBar.now()
            send(text: TransferProtocol.encode(["type": "header", "name": .string(source.name), "size": .int(source.size ?? -1)]))
            pump()
        }
        channel.onBufferedAmountLow = { [self] in pump() }
        channel.onMessage = { [self] m in
            guard case let .text(t) = m, let o = TransferProtocol.decode(t), o["type"]?.stringValue == "verdict" else { return }
            let ok = (o["ok"]?.boolValue) == true && eof && (o["sha256"]?.stringValue) == digest && (o["bytes"]?.intValue) == sent
            done(ok, ok ? nil : (o["error"]?.stringValue) ?? "receiver could not verify the data")
        }
        channel.onClose = { [self] in done(false, "channel closed before the receiver confirmed") }
    }

    private func send(text: String) {
        do { try channel.send(text: text) } catch { done(false, "send failed: \(error)") }
    }

    /// Sends chunks while the channel's buffer is below the high-water mark.
    private func pump() {
        guard !eof, !finished, channel.readyState == .open else { return }
        if source.isStream {
            if !watching {
                watching = true
                loop.register(fd: source.fd) { [weak self] in self?.readStream() }
            }
            return
        }
        while channel.bufferedAmount < highWater && !eof && !finished {
            let n = buffer.withUnsafeMutableBytes { read(source.fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                done(false, "read failed: \(String(cString: strerror(errno)))")
                return
            }
            chunk(n)
        }
    }

    private func readStream() {
        guard !finished else { return }
        let n = buffer.withUnsafeMutableBytes { read(source.fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { return }
        chunk(max(n, 0))
        if eof || channel.bufferedAmount >= highWater {
            watching = false
            loop.unregister(fd: source.fd)
        }
    }

    private func chunk(_ n: Int) {
        if n == 0 {
            eof = true
            digest = hash.finalize().hexString
            send(text: TransferProtocol.encode(["type": "end", "bytes": .int(sent), "sha256": .string(digest)]))
            progress.update(name: source.name, bytes: sent, total: source.size, started: started, force: true)
            return
        }
        let bytes = Array(buffer[0..<n])
        hash.update(bytes)
        do { try channel.send(binary: bytes) } catch {
            done(false, "send failed: \(error)")
            return
        }
        sent += n
        progress.update(name: source.name, bytes: sent, total: source.size, started: started)
    }

    /// The connect timeout passed: fails the file unless its channel opened.
    func openTimedOut(after seconds: Double) {
        guard !finished, channel.readyState == .connecting else { return }
        timedOut = true
        done(false, "timed out after \(seconds) s waiting for the receiver to acknowledge the channel (DCEP)")
    }

    /// The connection ended under this file.
    func abort(_ reason: String) { done(false, reason) }

    private func done(_ ok: Bool, _ error: String?) {
        guard !finished else { return }
        finished = true
        if watching { loop.unregister(fd: source.fd) }
        progress.done()
        if source.fd > 2 { Glibc.close(source.fd) }
        let seconds = started > 0 ? ProgressBar.now() - started : 0
        let summary = TransferProtocol.summary(name: source.name, path: nil, bytes: sent, seconds: seconds,
                                               sha256: digest, verified: ok, error: error, session: session)
        if ok { channel.close() }
        onDone?(ok, summary, error)
    }
}
