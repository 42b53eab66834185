#if canImport(Glibc)
import Glibc
#endif
import RTC

/// Turns a `--signal` URL into signaling links: one for a single session, or a stream of them
/// for a server (`tcp-listen`, `ws-listen`).
enum SignalingConnector {
    /// The link of a single session. For `*-listen` URLs this waits for the first peer.
    /// - Throws: `CLIError` (69 when the peer cannot be reached).
    static func connectOne(_ url: SignalURL, out: StdoutWriter, peer: PeerOptions, latch: ExitLatch,
                           listenerOut: (TCPSignalingListener) -> Void = { _ in }) throws -> SignalingLink {
        switch url {
        case .stdio:
            return StdioSignalingLink(out: out, compact: peer.compact, remoteFile: peer.remote)
        case let .tcp(host, port):
            do {
                return TCPSignalingLink(try TCPSignalingConnection.connect(host: host, port: port, timeout: peer.connectTimeout))
            } catch {
                throw CLIError(.unavailable, "\(error)")
            }
        case let .tcpListen(host, port):
            let listener: TCPSignalingListener
            do { listener = try TCPSignalingListener(host: host, port: port) } catch {
                throw CLIError(.unavailable, "\(error)")
            }
            listenerOut(listener)
            if peer.verbose { printError("rtc: listening on tcp://\(host):\(listener.port)") }
            guard let c = listener.accept() else { throw CLIError(.unavailable, "listener closed") }
            listener.close()
            return TCPSignalingLink(c)
        case .ws, .wsListen:
            return try WebSocketSignaling.connectOne(url, peer: peer)
        }
    }

    /// Accepts peers one after another (several may be active) until `shouldStop`, calling
    /// `body` for each on a background thread. Returns the listener so the caller can close it.
    static func serve(_ url: SignalURL, verbose: Bool, body: @escaping @Sendable (SignalingLink) -> Void) throws -> AnyObject {
        // (ws-listen returns a ClosableServer.)
        switch url {
        case let .tcpListen(host, port):
            let listener: TCPSignalingListener
            do { listener = try TCPSignalingListener(host: host, port: port) } catch {
                throw CLIError(.unavailable, "\(error)")
            }
            if verbose { printError("rtc: listening on tcp://\(host):\(listener.port)") }
            startThread(name: "rtc-accept") {
                while let c = listener.accept() { body(TCPSignalingLink(c)) }
            }
            return listener
        case .wsListen:
            return try WebSocketSignaling.serve(url, verbose: verbose, body: body)
        default:
            throw CLIError(.usage, "not a listening signal URL")
        }
    }
}

/// Peers accepted by a listening `--signal` URL, waiting their turn: a server that runs one
/// session at a time (`offer`/`answer`/`send`) takes them in arrival order. Any thread.
final class LinkQueue: @unchecked Sendable {
    private let condition = Condition()
    private var links: [SignalingLink] = []
    private var stopped = false

    func put(_ link: SignalingLink) {
        condition.lock()
        defer { condition.unlock() }
        if stopped {
            link.close()
            return
        }
        links.append(link)
        condition.broadcast()
    }

    /// The next peer, blocking; nil once stopped.
    func take() -> SignalingLink? {
        condition.lock()
        defer { condition.unlock() }
        while links.isEmpty && !stopped { condition.wait() }
        if stopped { return nil }
        return links.removeFirst()
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
