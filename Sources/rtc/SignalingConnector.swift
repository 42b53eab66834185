#if canImport(Glibc)
import Glibc
#endif
import RTC

/// Turns a `--signal` URL into signaling links: one for a single session, or a stream of them
/// for a server (`tcp-listen`, `ws-listen`).
enum SignalingConnector {
    /// The link of a single session (stdio, tcp://, ws://).
    /// - Throws: `CLIError`: 69 when the peer cannot be reached, 124 when it does not answer
    ///   within `--connect-timeout`, 130/143 when SIGINT/SIGTERM arrives meanwhile.
    static func connectOne(_ url: SignalURL, out: StdoutWriter, peer: PeerOptions,
                           latch: ExitLatch, http: HTTPSignalSettings = HTTPSignalSettings()) throws -> SignalingLink {
        switch url {
        case .stdio:
            return StdioSignalingLink(out: out, compact: peer.compact, remoteFile: peer.remote)
        case let .tcp(host, port):
            let interruption = Interruption.shared
            if peer.verbose { printError("rtc: connecting to tcp://\(host):\(port)") }
            do {
                return TCPSignalingLink(try TCPSignalingConnection.connect(
                    host: host, port: port, timeout: peer.connectTimeout, cancelFD: interruption.fd))
            } catch let e as SignalingConnectError {
                switch e {
                case .timedOut: throw CLIError(.timeout, "\(e)")
                case .unreachable: throw CLIError(.unavailable, "\(e)")
                case .interrupted: throw interruption.error("connecting to tcp://\(host):\(port)")
                }
            } catch {
                throw CLIError(.unavailable, "\(error)")
            }
        case .ws:
            return try WebSocketSignaling.connectOne(url, peer: peer)
        case let .whip(endpoint, kind):
            // The endpoint's ICE servers are asked for only when the user named none.
            return try WHIPClientLink(endpoint: endpoint, kind: kind, token: http.token,
                                      connectTimeout: peer.connectTimeout, signalTimeout: http.signalTimeout,
                                      verbose: peer.verbose,
                                      fetchICEServers: peer.stunServers.isEmpty && peer.turnServers.isEmpty)
        case .tcpListen, .wsListen, .whipListen:
            throw CLIError(.usage, "a listening --signal URL is served (SignalingConnector.serve), not connected")
        }
    }

    /// Accepts peers until the returned server is closed, calling `body` (on a background
    /// thread) for each peer that passed its handshake (see `GatedLink`).
    static func serve(_ url: SignalURL, options: ServeOptions,
                      body: @escaping @Sendable (GatedLink) -> Void) throws -> AnyObject {
        let gate = HandshakeGate(timeout: options.signalTimeout, maxPending: options.maxPending,
                                 verbose: options.verbose)
        switch url {
        case let .tcpListen(host, port):
            let listener: TCPSignalingListener
            do { listener = try TCPSignalingListener(host: host, port: port) } catch {
                throw CLIError(.unavailable, "\(error)")
            }
            if options.verbose { printError("rtc: listening on tcp://\(host):\(listener.port)") }
            startThread(name: "rtc-accept") {
                while let c = listener.accept() {
                    GatedLink(TCPSignalingLink(c), gate: gate, options: options, admit: body).open()
                }
            }
            return listener
        case .wsListen:
            return try WebSocketSignaling.serve(url, options: options, gate: gate, body: body)
        case .whipListen:
            return try WHIPEndpoint.serve(url, options: options, gate: gate, body: body)
        default:
            throw CLIError(.usage, "not a listening signal URL")
        }
    }
}

/// Peers accepted by a listening `--signal` URL, waiting their turn: a server that runs one
/// session at a time (`offer`/`answer`/`send`) takes them in arrival order. At most `limit`
/// wait (later ones are refused: closed at once); one that goes away while waiting leaves the
/// queue. Any thread.
final class LinkQueue: @unchecked Sendable {
    private let condition = Condition()
    private var links: [GatedLink] = []
    private var stopped = false
    let limit: Int

    init(limit: Int = HandshakeGate.defaultMaxPending) { self.limit = limit }

    func put(_ link: GatedLink) {
        condition.lock()
        if stopped || links.count >= limit {
            condition.unlock()
            link.close()
            return
        }
        links.append(link)
        condition.broadcast()
        condition.unlock()
        link.onDeadBeforeStart = { [weak self] l in self?.remove(l) }
    }

    private func remove(_ link: GatedLink) {
        condition.lock()
        links.removeAll { $0 === link }
        condition.unlock()
    }

    /// The next live peer, blocking; nil once stopped.
    func take() -> GatedLink? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            while links.isEmpty && !stopped { condition.wait() }
            if stopped { return nil }
            let link = links.removeFirst()
            if !link.isDead { return link }
            link.close()
        }
    }

    /// Wakes `take` for good and closes the peers still waiting.
    func stop() {
        condition.lock()
        stopped = true
        let waiting = links
        links.removeAll()
        condition.broadcast()
        condition.unlock()
        for l in waiting { l.close() }
    }

    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }
}

/// Closes whatever `SignalingConnector.serve` returned.
func closeSignalServer(_ server: AnyObject?) {
    (server as? TCPSignalingListener)?.close()
    (server as? ClosableServer)?.closeServer()
}
