#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import RTC

/// How `SignalURL.connect` reaches a peer.
public struct ConnectOptions: Sendable {
    /// Seconds to reach the peer (tcp://, ws://, a WHIP endpoint's connection).
    public var connectTimeout: Double
    /// WHIP/WHEP: seconds each HTTP reply may take.
    public var signalTimeout: Double
    /// WHIP/WHEP: bearer token (RFC 6750) sent on every request.
    public var token: String?
    /// WHIP/WHEP: use the endpoint's STUN/TURN servers: ask for them first (OPTIONS,
    /// `SignalingLink.iceServers`), and take those its 201 adds (`answerICEServers`). False when
    /// the application has its own, which override the endpoint's (RFC 9725 §4.6).
    public var fetchICEServers: Bool
    /// Progress lines (connecting, HTTP requests) go to `log`.
    public var verbose: Bool
    public var log: @Sendable (String) -> Void
    /// Ends a connect or HTTP wait early (`SignalingFailure.Kind.interrupted`).
    public var cancellation: SignalingCancellation?
    /// The link for `SignalURL.stdio` (the application owns its standard streams).
    public var stdio: (@Sendable () -> SignalingLink)?
    /// Where WebSocket and HTTP clients run, asked for only when one is made; NIO's shared
    /// group when nil.
    public var eventLoopGroup: (@Sendable () -> EventLoopGroup)?
    /// Counts WebSocket closes still flushing (`PendingCount.waitForZero`), if given.
    public var closing: PendingCount?

    public init(connectTimeout: Double = 30, signalTimeout: Double = 10, token: String? = nil,
                fetchICEServers: Bool = false, verbose: Bool = false,
                log: @escaping @Sendable (String) -> Void = { writeToStandardError($0 + "\n") },
                cancellation: SignalingCancellation? = nil, stdio: (@Sendable () -> SignalingLink)? = nil,
                eventLoopGroup: (@Sendable () -> EventLoopGroup)? = nil, closing: PendingCount? = nil) {
        self.connectTimeout = connectTimeout
        self.signalTimeout = signalTimeout
        self.token = token
        self.fetchICEServers = fetchICEServers
        self.verbose = verbose
        self.log = log
        self.cancellation = cancellation
        self.stdio = stdio
        self.eventLoopGroup = eventLoopGroup
        self.closing = closing
    }

    var group: EventLoopGroup { eventLoopGroup?() ?? MultiThreadedEventLoopGroup.singleton }
}

/// A listening signaling server (`SignalURL.serve`).
public protocol SignalingServer: AnyObject, Sendable {
    /// The port it is bound to (the one chosen by the system when asked for 0).
    var port: UInt16 { get }
    /// Stops accepting; links already handed out live on.
    func close()
}

extension TCPSignalingListener: SignalingServer {}

extension SignalURL {
    /// The link of a single session (stdio, tcp://, ws://, whip+http(s)://).
    /// - Throws: `SignalingFailure`: `.unreachable` when the peer cannot be reached,
    ///   `.timeout` when it does not answer within `connectTimeout`, `.interrupted` when the
    ///   cancellation fires meanwhile, `.usage` for a listening URL.
    public func connect(_ options: ConnectOptions) throws -> SignalingLink {
        switch self {
        case .stdio:
            guard let stdio = options.stdio else { throw SignalingFailure(.usage, "no stdio link given") }
            return stdio()
        case let .tcp(host, port):
            if options.verbose { options.log("connecting to tcp://\(host):\(port)") }
            do {
                return TCPSignalingLink(try TCPSignalingConnection.connect(
                    host: host, port: port, timeout: options.connectTimeout, cancelFD: options.cancellation?.fd ?? -1))
            } catch let e as SignalingConnectError {
                switch e {
                case .timedOut: throw SignalingFailure(.timeout, "\(e)")
                case .unreachable: throw SignalingFailure(.unreachable, "\(e)")
                case .interrupted:
                    throw (options.cancellation ?? SignalingCancellation()).failure("connecting to tcp://\(host):\(port)")
                }
            } catch {
                throw SignalingFailure(.unreachable, "\(error)")
            }
        case let .ws(host, port, path):
            if options.verbose { options.log("connecting to ws://\(host):\(port)\(path)") }
            return try WebSocketSignaling.connect(host: host, port: port, path: path, options: options)
        case let .whip(endpoint, kind):
            return try WHIPClientLink(endpoint: endpoint, kind: kind, options: options)
        case .tcpListen, .wsListen, .whipListen:
            throw SignalingFailure(.usage, "a listening --signal URL is served (SignalURL.serve), not connected")
        }
    }

    /// Accepts peers until the returned server is closed, calling `admit` (on a background
    /// thread) for each peer that passed its handshake (see `GatedLink`).
    ///
    /// Once bound it logs, verbose or not, `listening on URL` with the URL peers connect to and
    /// the port actually bound (`tcp://H:P`, `ws://H:P/`, `whip+http://H:P/whip`): a caller that
    /// asked for port 0 learns the port from that line (the CLI prints it as `rtc: listening on …`).
    /// - Throws: `SignalingFailure` `.unreachable` when the address cannot be bound, `.usage`
    ///   for a URL that does not listen.
    public func serve(_ options: ServeOptions,
                      admit: @escaping @Sendable (GatedLink) -> Void) throws -> SignalingServer {
        let gate = HandshakeGate(timeout: options.signalTimeout, maxPending: options.maxPending,
                                 verbose: options.verbose, log: options.log)
        let server: SignalingServer
        let url: (UInt16) -> String
        switch self {
        case let .tcpListen(host, port):
            let listener: TCPSignalingListener
            do { listener = try TCPSignalingListener(host: host, port: port) } catch {
                throw SignalingFailure(.unreachable, "\(error)")
            }
            startThread(name: "rtc-accept") {
                while let c = listener.accept() {
                    GatedLink(TCPSignalingLink(c), gate: gate, options: options, admit: admit).open()
                }
            }
            server = listener
            url = { "tcp://\(Self.urlHost(host)):\($0)" }
        case let .wsListen(host, port):
            server = try WebSocketSignaling.serve(host: host, port: port, options: options, gate: gate, admit: admit)
            url = { "ws://\(Self.urlHost(host)):\($0)/" }
        case let .whipListen(host, port, kind):
            server = try WHIPEndpoint.serve(host: host, port: port, kind: kind, options: options, gate: gate, admit: admit)
            let scheme = kind.rawValue.lowercased()
            url = { "\(scheme)+http://\(Self.urlHost(host)):\($0)/\(scheme)" }
        default:
            throw SignalingFailure(.usage, "not a listening signal URL")
        }
        options.log("listening on \(url(server.port))")
        return server
    }

    /// `host` as a URL writes it: an IPv6 literal in brackets.
    static func urlHost(_ host: String) -> String { host.contains(":") ? "[\(host)]" : host }
}

/// Peers accepted by a listening URL, waiting their turn: a server that runs one session at a
/// time takes them in arrival order. At most `limit` wait (later ones are refused: closed at
/// once); one that goes away while waiting leaves the queue. Any thread.
// @unchecked Sendable is safe: `links` and `stopped` are used only under `condition`.
public final class LinkQueue: @unchecked Sendable {
    private let condition = Condition()
    private var links: [GatedLink] = []
    private var stopped = false
    public let limit: Int

    public init(limit: Int = HandshakeGate.defaultMaxPending) { self.limit = limit }

    public func put(_ link: GatedLink) {
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
    public func take() -> GatedLink? {
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
    public func stop() {
        condition.lock()
        stopped = true
        let waiting = links
        links.removeAll()
        condition.broadcast()
        condition.unlock()
        for l in waiting { l.close() }
    }

    public var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }
}
