#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling

/// Runs `rtc send`: one peer, the files one after another; with a listening URL, one receiver
/// after another, each getting every file again. Error lines go to `log`, each file's report
/// to `onFile`; the result is an exit status (`ExitStatus`).
// @unchecked Sendable: the settings are immutable; `latch`, `interrupted` and `server` are read
// and written only under `stateLock`, `current` only on `loop`'s thread.
public final class TransferSendRunner: @unchecked Sendable {
    public let paths: [String]
    public let announceAs: String?
    public let role: TransferPeer.Role
    public let configuration: PeerConnection.Configuration
    public let connectTimeout: Double
    public let loop = PollEventLoop()
    private let progress: TransferProgress?
    private let onFile: @Sendable (TransferReport) -> Void
    private let log: @Sendable (String) -> Void
    private let closing: PendingCount?

    private let stateLock = Lock()
    /// The session under way's latch (before the first: one that only reports).
    private var latch: ExitLatch
    private var interrupted: Int32?
    private var server: SequentialLinkServer?
    /// The session under way: its peer and sender (loop thread).
    private var current: (peer: TransferPeer, sender: TransferSender)?

    /// - Parameters:
    ///   - closing: WebSocket closes still on their way out, awaited (at most 1 s) after each session.
    public init(paths: [String], announceAs: String? = nil, role: TransferPeer.Role,
                configuration: PeerConnection.Configuration, connectTimeout: Double, progress: TransferProgress?,
                closing: PendingCount? = nil, log: @escaping @Sendable (String) -> Void,
                onFile: @escaping @Sendable (TransferReport) -> Void) {
        self.paths = paths
        self.announceAs = announceAs
        self.role = role
        self.configuration = configuration
        self.connectTimeout = connectTimeout
        self.progress = progress
        self.closing = closing
        self.log = log
        self.onFile = onFile
        latch = ExitLatch(report: log)
    }

    /// Opens every file (once per session: each receiver reads them from the start).
    private func openSources() throws(TransferError) -> [TransferSource] {
        var opened = try Self.openSources(paths)
        if let announceAs { opened[0].name = announceAs }
        return opened
    }

    private static func openSources(_ paths: [String]) throws(TransferError) -> [TransferSource] {
        var opened: [TransferSource] = []
        do {
            for p in paths { opened.append(try TransferSource.open(p)) }
        } catch {
            for s in opened where s.fd > 2 { Glibc.close(s.fd) }
            throw error as? TransferError ?? .cannotOpen(paths[opened.count], "\(error)")
        }
        return opened
    }

    /// Opens and closes every file in `paths`, to fail early on a missing one whatever the signaling.
    public static func checkSources(_ paths: [String]) throws(TransferError) {
        for s in try openSources(paths) where s.fd > 2 { Glibc.close(s.fd) }
    }

    /// SIGINT/SIGTERM: ends the session under way (130/143) and stops a server.
    public func interrupt(signal: Int32) {
        let status = ExitStatus(signal: signal).rawValue
        stateLock.lock()
        interrupted = status
        let (latch, server) = (self.latch, self.server)
        stateLock.unlock()
        server?.stop()
        latch.finish(status, server == nil ? nil : "interrupted")
    }

    /// One receiver over a connected link. Blocks; returns the exit status.
    public func run(link: SignalingLink) -> Int32 {
        loop.start()
        return runSession(link)
    }

    /// A server: receivers one after another until `interrupt` or `limit` sessions (0: no limit).
    /// Blocks; returns the worst session's status.
    public func serve(_ url: SignalURL, options: ServeOptions, limit: Int, verbose: Bool) -> Int32 {
        let server = SequentialLinkServer()
        do { _ = try server.listen(url, options: options) } catch let e as SignalingFailure {
            log(e.message)
            return e.exitStatus.rawValue
        } catch { return ExitStatus.failure.rawValue }
        loop.start()
        stateLock.lock()
        self.server = server
        let stopped = interrupted != nil
        stateLock.unlock()
        if stopped { server.stop() }
        let log = log
        return server.run(limit: limit, session: { link, index in
            runSession(link, index: index)
        }, uncounted: {
            // No offer/answer exchange (silence or garbage after our offer): not a session.
            if verbose { log("a receiver left before the offer/answer exchange (not counted)") }
        }, ended: { index, status in
            if verbose || status != 0 { log("session \(index) ended with status \(status)") }
        })
    }

    /// One receiver: every file, one after another. Blocks; returns the session's status.
    private func runSession(_ link: SignalingLink, index: Int? = nil) -> Int32 {
        stateLock.lock()
        let latch = ExitLatch(report: log)
        self.latch = latch
        let stoppedBefore = interrupted
        stateLock.unlock()
        if let stoppedBefore {
            link.close()
            return stoppedBefore
        }
        // The peer and sender are made, used and ended on the loop only.
        loop.execute { [self] in
            let opened: [TransferSource]
            do throws(TransferError) { opened = try openSources() } catch {
                link.close()
                return latch.finish(error.exitStatus.rawValue, error.description)
            }
            let peer = TransferPeer(role: role, loop: loop, configuration: configuration,
                                    link: TransferLink(link), connectTimeout: connectTimeout)
            let sender = TransferSender(peer: peer, sources: opened, loop: loop, progress: progress, session: index)
            sender.onFile = { [onFile] report in onFile(report) }
            peer.onEnd = { end in
                let (status, message) = end.exit
                // A served receiver that never answered is dropped, not a session: no error line.
                let dropped = index != nil && (link as? GatedLink)?.exchanged == false
                latch.finish(status, dropped ? nil : message.map { m in index.map { "session \($0): \(m)" } ?? m })
            }
            current = (peer, sender)
            peer.start()
        }
        let status = latch.wait()
        let cleaned = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            if let current {
                current.peer.end(.ended(status, nil))
                current.sender.stop()
                self.current = nil
            }
            // After the tasks that ending queued (the last packets).
            loop.execute { cleaned.signal() }
        }
        _ = cleaned.wait(timeout: .now() + 2)
        closing?.waitForZero(until: Deadline.after(1))
        return status
    }
}
