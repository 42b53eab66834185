#if canImport(Glibc)
import Glibc
#endif
import RTC

/// The sending side of one session: once `peer`'s connection is ready, sends each source on its
/// own channel, one after another, and ends the peer when every file was confirmed (status 0)
/// or when one was not (`.failed` / `.timedOut`). Loop thread, after `init`.
public final class TransferSender {
    public private(set) weak var peer: TransferPeer?
    let loop: EventLoop
    let progress: TransferProgress?
    /// The server session the files belong to (in their reports), when serving.
    public let session: Int?
    private var sources: [TransferSource]
    private var next = 0
    private var current: OutgoingFile?
    /// Each file's report as it ends, before the next file starts.
    public var onFile: ((TransferReport) -> Void)?

    /// Takes over `peer`'s `onReady` and `onPeerGone`; the sources' descriptors are closed as
    /// they are sent (or by `stop`).
    public init(peer: TransferPeer, sources: [TransferSource], loop: EventLoop, progress: TransferProgress?,
                session: Int? = nil) {
        self.peer = peer
        self.sources = sources
        self.loop = loop
        self.progress = progress
        self.session = session
        peer.onReady = { [self] pc in startNext(pc) }
        peer.onPeerGone = { [self] _, reason in
            if let current {
                current.abort("the receiver went away" + (reason.map { ": \($0)" } ?? ""))
            } else if next < sources.count {
                self.peer?.end(.failed("the receiver went away before confirming every file"
                                       + (reason.map { ": \($0)" } ?? "")))
            }
        }
    }

    /// Ends the file in flight ("session ended") and closes the sources not sent.
    public func stop() {
        current?.abort("session ended")
        current = nil
        for s in sources[next...] where s.fd > 2 { close(s.fd) }
        sources = []
        next = 0
    }

    private func startNext(_ pc: PeerConnection) {
        guard next < sources.count else {
            // Every file confirmed: give the last close a moment to leave, then end.
            loop.schedule(in: .milliseconds(100)) { [weak peer] in peer?.end(.ended(0, nil)) }
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
            peer?.awaitedChannel = "the receiver to acknowledge channel '\(source.name)' (DCEP)"
            file.onOpen = { [weak peer] in peer?.channelOpened = true }
            // Later files open while the connection is up: each gets the connect timeout too.
            let timeout = peer?.connectTimeout ?? 30
            loop.schedule(in: .milliseconds(Int64(timeout * 1000))) { [weak file] in
                file?.openTimedOut(after: timeout)
            }
            file.onDone = { [self] ok, report, error in
                if current === file { current = nil }
                onFile?(report)
                if ok {
                    startNext(pc)
                } else {
                    let message = "\(source.name): \(error ?? "not confirmed")"
                    peer?.end(file.timedOut ? .timedOut(message) : .failed(message))
                }
            }
            file.start()
        } catch {
            if source.fd > 2 { close(source.fd) }
            peer?.end(.failed("cannot open a channel: \(error)"))
        }
    }
}
