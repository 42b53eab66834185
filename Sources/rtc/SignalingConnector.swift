import NIOPosix
import RTC
import RTCTransfer
import RTCSignaling

/// The CLI's side of `RTCSignaling`: options from flags, `SignalingFailure` as `CLIError`, and
/// the names `send`/`listen` still use (`connectOne`, `serve`, `closeSignalServer`, the
/// transfer page's mode).
enum SignalingConnector {
    /// Verbose signaling lines are stderr lines prefixed like every other diagnostic.
    static let log: @Sendable (String) -> Void = { printError("rtc: " + $0) }
    /// One NIO thread carries every WebSocket and WHIP connection of the process (started on
    /// first use; other commands never start it).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// The link of a single session (stdio, tcp://, ws://, whip+http(s)://).
    /// - Throws: `CLIError`: 69 when the peer cannot be reached, 124 when it does not answer
    ///   within `--connect-timeout`, 130/143 when SIGINT/SIGTERM arrives meanwhile.
    static func connectOne(_ url: SignalURL, out: StdoutWriter, peer: PeerOptions,
                           latch: ExitLatch? = nil, http: HTTPSignalSettings = HTTPSignalSettings()) throws -> SignalingLink {
        let options = connectOptions(out: out, peer: peer, http: http)
        do { return try url.connect(options) } catch let e as SignalingFailure { throw CLIError(e) }
    }

    static func connectOptions(out: StdoutWriter, peer: PeerOptions, http: HTTPSignalSettings) -> ConnectOptions {
        let compact = peer.compact
        let remote = peer.remote
        return ConnectOptions(
            connectTimeout: peer.connectTimeout, signalTimeout: http.signalTimeout, token: http.token,
            // The endpoint's ICE servers are asked for only when the user named none.
            fetchICEServers: peer.stunServers.isEmpty && peer.turnServers.isEmpty,
            verbose: peer.verbose, log: log, cancellation: Interruption.shared.cancellation,
            stdio: { StdioSignalingLink(write: { out.writeLine($0) }, readLines: { StdinLines.start(onError: $0, $1) },
                                        compact: compact, remoteFile: remote) },
            eventLoopGroup: { group }, closing: WebSocketSignaling.closing)
    }

    /// How a listening --signal admits peers (the transfer page served on ws-listen's `/`).
    static func serveOptions(expecting: SDPType, signalTimeout: Double, verbose: Bool, token: String?) -> ServeOptions {
        ServeOptions(expecting: expecting, signalTimeout: signalTimeout, verbose: verbose, token: token,
                     page: TransferPage.html(mode: WebSocketSignaling.pageMode), log: log,
                     eventLoopGroup: { group }, closing: WebSocketSignaling.closing)
    }

    /// Accepts peers until the returned server is closed (`closeSignalServer`).
    static func serve(_ url: SignalURL, options: ServeOptions,
                      body: @escaping @Sendable (GatedLink) -> Void) throws -> AnyObject {
        var options = options
        // Set late: `send` picks the page's mode after its options were made.
        options.page = TransferPage.html(mode: WebSocketSignaling.pageMode)
        do { return ServedSignaling(try url.serve(options, admit: body)) } catch let e as SignalingFailure {
            throw CLIError(e)
        }
    }
}

/// A listening server as the `ClosableServer` the transfer commands close.
final class ServedSignaling: ClosableServer {
    let server: SignalingServer
    init(_ server: SignalingServer) { self.server = server }
    func closeServer() { server.close() }
}

/// Closes whatever `SignalingConnector.serve` returned.
func closeSignalServer(_ server: AnyObject?) {
    (server as? ClosableServer)?.closeServer()
}

/// WebSocket signaling settings of this process.
enum WebSocketSignaling {
    /// What the built-in page does: `listen` (the browser sends files) or `send` (it receives).
    nonisolated(unsafe) static var pageMode = "listen"
    /// WebSocket links whose close (bye, close frame) is still on its way out.
    static let closing = PendingCount()

    /// Waits until every WebSocket link closed so far has flushed its close, at most `seconds`
    /// (before the process exits, so the peer hears bye instead of a reset).
    static func awaitClosing(within seconds: Double) {
        closing.waitForZero(until: Deadline.after(seconds))
    }
}
