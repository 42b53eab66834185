#if canImport(Glibc)
import Glibc
#endif
import RTC

/// Sends one source on one channel (loop thread): header, chunks under back-pressure, trailer,
/// then waits for the receiver's verdict.
public final class OutgoingFile {
    public let source: TransferSource
    public let channel: DataChannel
    let loop: EventLoop
    let progress: TransferProgress?
    /// The server session this file belongs to (in its summary), when serving.
    public var session: Int?
    /// Once: whether the receiver confirmed the file, its report, the error.
    public var onDone: ((Bool, TransferReport, String?) -> Void)?
    /// The receiver acknowledged the channel (DCEP).
    public var onOpen: (() -> Void)?
    /// The receiver never acknowledged the channel within the connect timeout.
    public private(set) var timedOut = false

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
    public init(source: TransferSource, channel: DataChannel, loop: EventLoop, progress: TransferProgress?,
                pieceSize: Int) {
        buffer = [UInt8](repeating: 0, count: pieceSize)
        self.source = source
        self.channel = channel
        self.loop = loop
        self.progress = progress
    }

    /// Sends once the channel opens (loop thread).
    public func start() {
        channel.bufferedAmountLowThreshold = highWater / 2
        channel.onOpen = { [self] in
            onOpen?()
            started = TransferClock.now()
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
            progress?.update(name: source.name, bytes: sent, total: source.size, started: started, force: true)
            return
        }
        let bytes = Array(buffer[0..<n])
        hash.update(bytes)
        do { try channel.send(binary: bytes) } catch {
            done(false, "send failed: \(error)")
            return
        }
        sent += n
        progress?.update(name: source.name, bytes: sent, total: source.size, started: started, force: false)
    }

    /// The connect timeout passed: fails the file unless its channel opened.
    public func openTimedOut(after seconds: Double) {
        guard !finished, channel.readyState == .connecting else { return }
        timedOut = true
        done(false, "timed out after \(seconds) s waiting for the receiver to acknowledge the channel (DCEP)")
    }

    /// The connection ended under this file.
    public func abort(_ reason: String) { done(false, reason) }

    private func done(_ ok: Bool, _ error: String?) {
        guard !finished else { return }
        finished = true
        if watching { loop.unregister(fd: source.fd) }
        progress?.done()
        if source.fd > 2 { Glibc.close(source.fd) }
        let seconds = started > 0 ? TransferClock.now() - started : 0
        let summary = TransferReport(name: source.name, path: nil, bytes: sent, seconds: seconds,
                                     sha256: digest, verified: ok, error: error, session: session)
        if ok { channel.close() }
        onDone?(ok, summary, error)
    }
}
