import NIOPosix
import RTC
import RTCTransfer
import RTCSignaling

/// The CLI's side of `RTCSignaling`: connect and serve options from the command's flags.
enum SignalingConnector {
    /// Verbose signaling lines are stderr lines prefixed like every other diagnostic.
    static let log: @Sendable (String) -> Void = { printError("rtc: " + $0) }
    /// One NIO thread carries every WebSocket and WHIP connection of the process (started on
    /// first use; other commands never start it).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    static func connectOptions(out: StdoutWriter, peer: PeerOptions, http: HTTPSignalSettings) -> ConnectOptions {
        let compact = peer.compact
        let remote = peer.remote
        let maxLine = peer.maxLine
        return ConnectOptions(
            connectTimeout: peer.connectTimeout, signalTimeout: http.signalTimeout, token: http.token,
            // The endpoint's ICE servers are asked for only when the user named none.
            fetchICEServers: peer.stunServers.isEmpty && peer.turnServers.isEmpty,
            verbose: peer.verbose, log: log, cancellation: Interruption.shared.cancellation,
            stdio: { StdioSignalingLink(write: { out.writeLine($0) },
                                        readLines: { StdinLines.start(maxLine: maxLine, onError: $0, $1) },
                                        compact: compact, remoteFile: remote) },
            eventLoopGroup: { group }, closing: WebSocketSignaling.closing)
    }

    /// How a listening --signal admits peers; `page` is the mode of the transfer page served on
    /// ws-listen's `/` (`listen`: the browser sends files, `send`: it receives).
    static func serveOptions(expecting: SDPType, signalTimeout: Double, verbose: Bool, token: String?,
                             page: String) -> ServeOptions {
        ServeOptions(expecting: expecting, signalTimeout: signalTimeout, verbose: verbose, token: token,
                     page: TransferPage.html(mode: page), log: log,
                     eventLoopGroup: { group }, closing: WebSocketSignaling.closing)
    }
}

/// WebSocket signaling settings of this process.
enum WebSocketSignaling {
    /// WebSocket links whose close (bye, close frame) is still on its way out.
    static let closing = PendingCount()

    /// Waits until every WebSocket link closed so far has flushed its close, at most `seconds`
    /// (before the process exits, so the peer hears bye instead of a reset).
    static func awaitClosing(within seconds: Double) {
        closing.waitForZero(until: Deadline.after(seconds))
    }
}
