import Dispatch
import RTC
import RTCSignaling

/// Runs `rtc listen`: one receiving session over a connected link, or a server of sessions
/// (several at once). Each file's report goes to `onFile` with its channel's label, error lines
/// to `log`; the result is an exit status (`ExitStatus`).
// @unchecked Sendable: the settings are immutable; `single`, `server` and `filesWritten` are
// touched only on `loop`'s thread.
public final class TransferListenRunner: @unchecked Sendable {
    public let target: ReceiveTarget
    public let role: TransferPeer.Role
    public let configuration: PeerConnection.Configuration
    public let connectTimeout: Double
    public let policy: ExistingFilePolicy
    public let loop = PollEventLoop()
    private let latch: ExitLatch
    private let progress: TransferProgress?
    private let output: @Sendable ([UInt8]) -> Void
    private let onFile: @Sendable (TransferReport, _ label: String) -> Void
    private let log: @Sendable (String) -> Void
    private let closing: PendingCount?
    private var filesWritten = 0
    /// The peer of a single session; the server's peers are the server's.
    private var single: TransferPeer?
    private var server: ConcurrentTransferServer?
    /// With `.stdout`: one file at a time on `output`, whichever session sends it.
    private let stdoutClaim = ReceiveClaims.Stdout()

    /// - Parameters:
    ///   - output: where a `.stdout` target's data goes.
    ///   - closing: WebSocket closes still on their way out, awaited (at most 1 s) before returning.
    public init(target: ReceiveTarget, role: TransferPeer.Role, configuration: PeerConnection.Configuration,
                connectTimeout: Double, policy: ExistingFilePolicy, progress: TransferProgress?,
                closing: PendingCount? = nil, output: @escaping @Sendable ([UInt8]) -> Void,
                log: @escaping @Sendable (String) -> Void,
                onFile: @escaping @Sendable (TransferReport, _ label: String) -> Void) {
        self.target = target
        self.role = role
        self.configuration = configuration
        self.connectTimeout = connectTimeout
        self.policy = policy
        self.progress = progress
        self.closing = closing
        self.output = output
        self.log = log
        self.onFile = onFile
        latch = ExitLatch(report: log)
        loop.start()
    }

    /// SIGINT/SIGTERM: a single session ends with 130/143, a server with its worst status so far.
    public func interrupt(signal: Int32) {
        loop.execute { [self] in
            if let server { latch.finish(server.worst, nil) } else { latch.finish(ExitStatus(signal: signal).rawValue, nil) }
        }
    }

    /// One session over a connected link. Blocks; returns its exit status.
    public func run(link: SignalingLink) -> Int32 {
        loop.execute { [self] in
            let (peer, ended) = makePeer(TransferLink(link))
            single = peer
            peer.onEnd = { [self] end in
                let (status, message) = end.exit
                single = nil
                ended()
                latch.finish(status, message)
            }
            peer.start()
        }
        return finish()
    }

    /// Peers one after another, several at once, until `interrupt` or `limit` sessions (0: no
    /// limit). Blocks; returns the worst session's status.
    public func serve(_ url: SignalURL, options: ServeOptions, limit: Int, verbose: Bool) -> Int32 {
        let server = ConcurrentTransferServer(loop: loop, limit: limit, outcome: { $0.exit }) { [self] in
            makePeer($0)
        }
        let log = log
        server.onUncounted = {
            // No offer/answer exchange (silence or garbage after our offer): not a session.
            if verbose { log("a peer left before the offer/answer exchange (not counted)") }
        }
        server.onSessionEnd = { _, message in if let message { log(message) } }
        server.onDone = { [latch] worst in latch.finish(worst, nil) }
        let installed = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            self.server = server
            installed.signal()
        }
        installed.wait()
        do { _ = try server.listen(url, options: options) } catch let e as SignalingFailure {
            log(e.message)
            return e.exitStatus.rawValue
        } catch { return ExitStatus.failure.rawValue }
        return finish()
    }

    /// Waits for the status, ends every peer, then lets the loop run what that queued (their
    /// last packets) and the WebSocket closes leave.
    private func finish() -> Int32 {
        let status = latch.wait()
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            server?.close(status: status)
            single?.end(.ended(status, nil))
            loop.execute { done.signal() }
        }
        _ = done.wait(timeout: .now() + 1)
        closing?.waitForZero(until: Deadline.after(1))
        return status
    }

    /// Loop thread: a receiving peer for `link`, and its clean-up when it ends.
    private func makePeer(_ link: TransferLink) -> (peer: TransferPeer, ended: () -> Void) {
        let peer = TransferPeer(role: role, loop: loop, configuration: configuration, link: link,
                                connectTimeout: connectTimeout)
        let receiver = TransferReceiver(
            peer: peer, target: target, claims: ReceiveClaims(stdout: stdoutClaim), policy: policy,
            loop: loop, progress: progress, output: output,
            nextIndex: { [self] in defer { filesWritten += 1 }; return filesWritten })
        receiver.onFile = { [onFile] report, label in onFile(report, label) }
        return (peer, { receiver.abandonUnfinished() })
    }
}
