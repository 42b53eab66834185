import RTC

/// The receiving side of one session: every channel `peer`'s sender opens becomes an
/// `IncomingFile` under this session's `ReceiveClaims`. When the sender goes away the peer ends
/// with status 0 if every file was verified, `.failed("transfer incomplete")` otherwise.
/// Loop thread, after `init`.
public final class TransferReceiver {
    public private(set) weak var peer: TransferPeer?
    public let target: ReceiveTarget
    public let claims: ReceiveClaims
    public let policy: ExistingFilePolicy
    let loop: EventLoop
    let progress: TransferProgress?
    let output: (@Sendable ([UInt8]) -> Void)?
    let writeInline: Bool
    /// Numbers the files for `IncomingFile.index` (shared by the sessions of one receiver).
    let nextIndex: () -> Int
    private(set) var files: [IncomingFile] = []
    private var failed = false
    /// Each file's report as it ends, with its channel's label (loop thread).
    public var onFile: ((TransferReport, _ label: String) -> Void)?

    /// Takes over `peer`'s `onChannel` and `onPeerGone`.
    public init(peer: TransferPeer, target: ReceiveTarget, claims: ReceiveClaims, policy: ExistingFilePolicy,
                loop: EventLoop, progress: TransferProgress?, output: (@Sendable ([UInt8]) -> Void)?,
                writeInline: Bool = FileSink.inlineByDefault, nextIndex: @escaping () -> Int) {
        self.peer = peer
        self.target = target
        self.claims = claims
        self.policy = policy
        self.loop = loop
        self.progress = progress
        self.output = output
        self.writeInline = writeInline
        self.nextIndex = nextIndex
        peer.awaitedChannel = "the sender to open a channel (DCEP)"
        peer.onChannel = { [self] ch in accept(ch) }
        peer.onPeerGone = { [self] isFailure, reason in
            let incomplete = files.contains { !$0.isFinished }
            abandonUnfinished()
            // A peer that aborts after every file was verified (aiortc closes with an SCTP
            // ABORT) ended normally; a failure with nothing received did not.
            let bad = failed || incomplete || (isFailure && files.isEmpty)
            self.peer?.end(bad ? .failed("transfer incomplete" + (reason.map { ": \($0)" } ?? "")) : .ended(0, nil))
        }
    }

    /// Fails every file still arriving ("connection ended before the end of the file").
    public func abandonUnfinished() {
        for f in files where !f.isFinished { f.abandon() }
    }

    private func accept(_ ch: DataChannel) {
        peer?.channelOpened = true
        let file = IncomingFile(channel: ch, target: target, index: nextIndex(), output: output, progress: progress,
                                loop: loop, claims: claims, policy: policy, writeInline: writeInline)
        let label = ch.label
        file.onFinish = { [weak self] report in
            self?.onFile?(report, label)
            if !report.verified { self?.failed = true }
        }
        files.append(file)
    }
}
