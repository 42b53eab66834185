#if canImport(Glibc)
import Glibc
#endif
import RTC

/// One signaling conversation with one peer, whatever carries it (stdio lines, TCP, WebSocket,
/// WHIP/WHEP, memory).
///
/// `start` delivers each message and then one end (nil when the peer just went away) on any
/// thread; `send` may be called from any thread. Transports with more to say than messages
/// (an HTTP status, a server-side resource, ICE servers) answer the optional requirements,
/// which have neutral defaults, so a session never needs to know the concrete link.
public protocol SignalingLink: AnyObject, Sendable {
    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void)
    func send(_ message: SignalingMessage)
    func close()

    /// Why the link ended when the transport knows more than its `SignalingError` (a WHIP
    /// client's HTTP status); nil while it has not, or when it has nothing to add.
    var failure: SignalingFailure? { get }
    /// STUN/TURN servers the signaling server offered before our description was made
    /// (WHIP `Link` headers, RFC 9725 §4.6); empty by default.
    var iceServers: [ICEServerLink] { get }
    /// STUN/TURN servers that came with the peer's answer and were not in `iceServers` (WHIP:
    /// the 201's `Link` headers, RFC 9725 §4.6); set before the answer is delivered. After an ICE
    /// restart we asked for, those its answer named anew (a TURN server with new credentials),
    /// set before `requestICERestart` completes. Empty by default.
    var answerICEServers: [ICEServerLink] { get }
    /// Whether the answer may name servers to gather on (`answerICEServers`): then a trickling
    /// session holds its end-of-candidates until it has the answer, and sends it once it has
    /// also gathered on them. False by default.
    var answerMayNameICEServers: Bool { get }
    /// True when the session ends on the server by `release` (a WHIP DELETE), which must come
    /// before our side of the connection closes; false by default.
    var releasesSession: Bool { get }
    /// Ends the session on the server, waiting a bounded time (call off event loops). No-op by default.
    func release()
    /// For a served link: whether the peer's expected description arrived, so the connection
    /// counts as a session. True by default (a link we connected ourselves).
    var exchanged: Bool { get }
    /// Whether the peer asked for our candidates after our description (a WHIP client that
    /// takes them in PATCH responses): the session then trickles them to this link, answering
    /// at once, whatever its own trickle setting. False by default.
    var trickleToPeer: Bool { get }

    /// ICE restarts the peer asks for through this transport (a WHIP/WHEP PATCH with new
    /// credentials, RFC 9725 §4.4.1). The session installs `handler`, which restarts its
    /// connection with the peer's new parameters and completes with ours (nil when it cannot).
    /// Ignored by default: the transport carries no restarts.
    func acceptICERestarts(_ handler: @escaping ICERestartHandler)
    /// Whether `requestICERestart` can reach the peer; false by default.
    var canRequestICERestart: Bool { get }
    /// Sends our new ICE parameters to the peer and completes (any thread) with its new ones, or
    /// nil when it refused or could not be reached. Completes with nil by default.
    func requestICERestart(_ ours: PeerConnection.ICEParameters,
                           completion: @escaping @Sendable (PeerConnection.ICEParameters?) -> Void)
}

/// Restarts the connection with the peer's new ICE parameters; completes with ours, or nil.
public typealias ICERestartHandler = @Sendable (PeerConnection.ICEParameters,
                                                @escaping @Sendable (PeerConnection.ICEParameters?) -> Void) -> Void

extension SignalingLink {
    public var failure: SignalingFailure? { nil }
    public var iceServers: [ICEServerLink] { [] }
    public var answerICEServers: [ICEServerLink] { [] }
    public var answerMayNameICEServers: Bool { false }
    public var releasesSession: Bool { false }
    public func release() {}
    public var exchanged: Bool { true }
    public var trickleToPeer: Bool { false }
    public func acceptICERestarts(_ handler: @escaping ICERestartHandler) {}
    public var canRequestICERestart: Bool { false }
    public func requestICERestart(_ ours: PeerConnection.ICEParameters,
                                  completion: @escaping @Sendable (PeerConnection.ICEParameters?) -> Void) {
        completion(nil)
    }
}

extension SignalingMessage {
    /// An offer or answer (not a candidate or bye).
    public var isDescription: Bool {
        if case .description = self { return true }
        return false
    }
}

/// Signaling as lines of text, e.g. on stdin/stdout: our description is one line out; the
/// first non-empty line in is the peer's (or the `remoteFile`'s content). Later lines that are
/// not signaling are ignored, so two peers can be wired with fifos although each also prints
/// summaries. `bye` is not written (the stream's end says it).
public final class StdioSignalingLink: SignalingLink, Sendable {
    /// Starts reading lines on a thread of its own: `body` gets each line and then nil at the
    /// end; `onError` a one-line reason when the input cannot be read as lines.
    public typealias LineSource = @Sendable (_ onError: @escaping @Sendable (String) -> Void,
                                             _ body: @escaping @Sendable (String?) -> Void) -> Void

    let write: @Sendable (String) -> Void
    let readLines: LineSource
    let compact: Bool
    let remoteFile: String?

    /// - Parameters:
    ///   - write: writes one line (without its newline).
    ///   - compact: our descriptions go out as `CompactToken`s.
    ///   - remoteFile: read the peer's description from this file (a fifo works) instead of the lines.
    public init(write: @escaping @Sendable (String) -> Void, readLines: @escaping LineSource, compact: Bool = false,
                remoteFile: String? = nil) {
        self.write = write
        self.readLines = readLines
        self.compact = compact
        self.remoteFile = remoteFile
    }

    public func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
                      onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        if let remoteFile {
            guard let text = readWholeFile(remoteFile) else {
                onEnd(.malformed("cannot read --remote file \(remoteFile)"))
                return
            }
            do { onMessage(try SignalingMessage.parse(text)) } catch let e as SignalingError { onEnd(e) } catch {}
            return
        }
        let first = OnceFlag()
        readLines({ onEnd(.malformed($0)) }) { line in
            guard let line else {
                onEnd(nil)
                return
            }
            if line.trimmingWhitespace().isEmpty { return }
            if first.take() {
                do { onMessage(try SignalingMessage.parse(line)) } catch let e as SignalingError {
                    onEnd(e)
                } catch {}
            } else if line.hasPrefix("{"), line.containsText("\"candidate\""), let m = try? SignalingMessage.parse(line) {
                onMessage(m)
            }
        }
    }

    public func send(_ message: SignalingMessage) {
        if case .bye = message { return }
        let line = message.json()
        write(compact && message.isDescription ? CompactToken.encode(line) : line)
    }

    public func close() {}
}

/// True the first time only. Any thread.
// @unchecked Sendable is safe: `seen` is used only under `lock`.
final class OnceFlag: @unchecked Sendable {
    private var seen = false
    private let lock = Lock()
    func take() -> Bool {
        lock.withLock {
            if seen { return false }
            seen = true
            return true
        }
    }
}

/// aiortc `TcpSocketSignaling` wire format on one TCP connection. Garbage ends the link with
/// `.malformed`; aiortc's `{"type": "bye"}` is delivered as `.bye`.
public final class TCPSignalingLink: SignalingLink, Sendable {
    public let connection: TCPSignalingConnection

    public init(_ connection: TCPSignalingConnection) { self.connection = connection }

    public func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
                      onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        let ended = OnceFlag()
        connection.startReading(onLine: { [connection] line in
            if line.trimmingWhitespace().isEmpty { return }
            do {
                onMessage(try SignalingMessage.parse(line))
            } catch let e as SignalingError {
                if ended.take() { onEnd(e) }
                connection.close()
            } catch {}
        }, onEnd: { e in
            if ended.take() { onEnd(e) }
        })
    }

    public func send(_ message: SignalingMessage) {
        try? connection.send(line: message.aiortcLine())
    }

    public func close() { connection.close() }
}

/// The whole file as UTF-8 text, read with read(2) since fifos have no size to read up to.
public func readWholeFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    return readAll(fd).map { String(decoding: $0, as: UTF8.self) }
}
