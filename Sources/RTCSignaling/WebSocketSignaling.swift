import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import RTC

/// WebSocket signaling (RFC 6455) with swift-nio's NIOWebSocket: the same JSON objects as
/// stdio (browser form), one per text frame.
///
/// `ws-listen://HOST:PORT` serves, besides the WebSocket upgrade on any path, the page
/// `ServeOptions.page` at `/` (rtc's transfer page), so a browser needs no other server.
enum WebSocketSignaling {
    static let maxFrameSize = 1 << 20

    /// Serves the page and WebSocket peers until closed; `body` gets each peer that passed its
    /// handshake. A connection must complete its HTTP request (the page) or WebSocket upgrade
    /// within `options.signalTimeout` of accept, counted by `gate` meanwhile.
    static func serve(host: String, port: UInt16, options: ServeOptions, gate: HandshakeGate,
                      admit body: @escaping @Sendable (GatedLink) -> Void) throws -> SignalingServer {
        let bootstrap = ServerBootstrap(group: options.group)
            .serverChannelOption(NIOCore.ChannelOptions.backlog, value: 128)
            .serverChannelOption(NIOCore.ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer(connectionInitializer(options: options, gate: gate, admit: body))
        let channel: Channel
        do { channel = try bootstrap.bind(host: host == "localhost" ? "127.0.0.1" : host, port: Int(port)).wait() } catch {
            throw SignalingFailure(.unreachable, "cannot listen on \(host):\(port): \(error)")
        }
        return NIOSignalingServer(channel: channel)
    }

    /// Whether `head` is a WebSocket opening handshake we upgrade (RFC 6455 §4.1, §4.2.1); any
    /// other request is served as plain HTTP. swift-nio's upgrade handler checks neither of:
    /// - the Connection header's `upgrade` token, which its HTTP parser requires before it stops
    ///   parsing at an upgrade: without it the parser went on with the requests pipelined behind,
    ///   which the upgrade then replayed as HTTP parts into the WebSocket frame decoder, a fatal
    ///   error that ended the whole server;
    /// - a GET without a body (HTTP/1.1 or later): an upgrade waits for the request's end, and a
    ///   peer that announced a body and closed before sending it left the upgrade handler holding
    ///   its connection forever, a leak per connection.
    /// Both were found by the `ws-http` fuzz target.
    static func acceptsUpgrade(_ head: HTTPRequestHead) -> Bool {
        let headers = head.headers
        return head.method == .GET && (head.version.major, head.version.minor) >= (1, 1)
            && headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
            && headers["transfer-encoding"].isEmpty
            && headers["content-length"].allSatisfy { $0 == "0" }
    }

    /// What `serve` installs on each accepted connection: HTTP, the page, the WebSocket upgrade
    /// and, once upgraded, the link handed to `gate`. Separate so the `ws-http` fuzz target runs
    /// the same pipeline on an in-memory channel.
    static func connectionInitializer(options: ServeOptions, gate: HandshakeGate,
                                      admit body: @escaping @Sendable (GatedLink) -> Void)
        -> @Sendable (Channel) -> EventLoopFuture<Void> {
        let page = options.page
        let phase = HTTPPhase(gate: gate)
        let closing = options.closing
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxFrameSize,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(acceptsUpgrade(head) ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, _ in
                let link = WebSocketLink(channel: channel, closing: closing)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketLinkHandler(link: link))
                    // The handshake keeps the clock that started at accept.
                    let acceptedAt = phase.end(channel)
                    let deadline = acceptedAt.map {
                        Deadline(nanoseconds: $0.nanoseconds &+ UInt64(options.signalTimeout * 1e9))
                    }
                    GatedLink(link, gate: gate, options: options, deadline: deadline, admit: body).open()
                }
            })
        return { channel in
            // Slowloris: headers (or an upgrade) still incomplete at the deadline close the
            // connection; the gate also caps how many may be in this phase at once.
            phase.begin(channel)
            // Handlers live on their channel's loop; NIOLoopBound carries them into the
            // pipeline callbacks, which run there too.
            let pageHandler = NIOLoopBound(PageHandler(page: page, phase: phase), eventLoop: channel.eventLoop)
            let config: NIOHTTPServerUpgradeSendableConfiguration = (
                upgraders: [upgrader],
                completionHandler: { _ in channel.pipeline.syncOperations.removeHandler(pageHandler.value, promise: nil) }
            )
            return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: config).flatMap {
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(pageHandler.value)
                }
            }
        }
    }

    /// Connects to `ws://host:port/path` and upgrades, within `timeout` seconds in all (a
    /// refused connect is retried every 100 ms until then).
    /// - Throws: `SignalingFailure` `.timeout` when the server does not answer in time,
    ///   `.unreachable` when it refuses or does not upgrade, `.interrupted` when cancelled.
    static func connect(host: String, port: UInt16, path: String, options: ConnectOptions) throws -> SignalingLink {
        let timeout = options.connectTimeout
        let upgraded = AcceptOne()
        let interruption = options.cancellation ?? SignalingCancellation()
        interruption.observe { upgraded.wake() }
        let closing = options.closing
        let deadline = Deadline.after(timeout)
        let target = "ws://\(host):\(port)\(path)"
        var lastError: Error = SignalingFailure(.unreachable, "no attempt")
        repeat {
            let left = max(0.001, deadline.secondsLeft)
            let bootstrap = ClientBootstrap(group: options.group)
                .connectTimeout(.milliseconds(Int64(left * 1000)))
                .channelInitializer { channel in
                    let requestHandler = NIOLoopBound(UpgradeRequestHandler(host: host, port: port, path: path),
                                                      eventLoop: channel.eventLoop)
                    var key = [UInt8](repeating: 0, count: 16)
                    for i in key.indices { key[i] = UInt8.random(in: 0...255) }
                    let upgrader = NIOWebSocketClientUpgrader(
                        requestKey: Data(key).base64EncodedString(), maxFrameSize: maxFrameSize,
                        upgradePipelineHandler: { channel, _ in
                            let link = WebSocketLink(channel: channel, closing: closing)
                            return channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(WebSocketLinkHandler(link: link))
                                upgraded.put(link)
                            }
                        })
                    let config: NIOHTTPClientUpgradeSendableConfiguration = (
                        upgraders: [upgrader],
                        completionHandler: { _ in channel.pipeline.syncOperations.removeHandler(requestHandler.value, promise: nil) }
                    )
                    // Frames the server sends right behind its 101 arrive with it: keep them.
                    return channel.pipeline.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes,
                                                                  withClientUpgrade: config).flatMap {
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(requestHandler.value)
                        }
                    }
                }
            let connecting = bootstrap.connect(host: host == "localhost" ? "127.0.0.1" : host, port: Int(port))
            let outcome = upgraded.wait(for: connecting, until: deadline)
            if interruption.signal != nil {
                connecting.whenSuccess { $0.close(promise: nil) }
                throw interruption.failure("connecting to \(target)")
            }
            switch outcome {
            case let .failure(error):
                lastError = error
                if case ChannelError.connectTimeout = error {
                    throw SignalingFailure(.timeout, "timed out after \(timeout) s connecting to \(target) (no answer)")
                }
                // Refused: pace the retry, still ending at once on a signal.
                upgraded.pause(until: min(Deadline.after(0.1), deadline))
            case let .success(channel):
                if let link = upgraded.take(until: deadline) { return link }
                channel.close(promise: nil)
                if interruption.signal != nil { throw interruption.failure("connecting to \(target)") }
                throw SignalingFailure(.timeout, "\(target) did not upgrade to a WebSocket within \(timeout) s")
            case nil:
                connecting.whenSuccess { $0.close(promise: nil) }
                throw SignalingFailure(.timeout, "timed out after \(timeout) s connecting to \(target) (no answer)")
            }
        } while !deadline.hasPassed && interruption.signal == nil
        if interruption.signal != nil { throw interruption.failure("connecting to \(target)") }
        throw SignalingFailure(.unreachable, "cannot connect to \(target): \(lastError)")
    }
}

/// The HTTP phase of a ws-listen or whip-listen server's connections: from accept to a served
/// page, an upgrade or a request, on the gate's clock. Any thread.
// @unchecked Sendable is safe: the only state, `tokens`, is a `LockedBox`; `gate` is thread-safe.
final class HTTPPhase: @unchecked Sendable {
    let gate: HandshakeGate
    private let tokens = LockedBox<[ObjectIdentifier: (token: UInt64, acceptedAt: Deadline)]>([:])

    init(gate: HandshakeGate) { self.gate = gate }

    /// Starts the connection's clock (on its loop).
    func begin(_ channel: Channel) {
        let acceptedAt = Deadline.now
        let token = gate.enter { _ in channel.close(promise: nil) }
        tokens.withLock { $0[ObjectIdentifier(channel)] = (token, acceptedAt) }
        channel.closeFuture.whenComplete { [self] _ in end(channel) }
    }

    /// The request was answered or upgraded, or the connection closed: its clock stops.
    /// - Returns: when the connection was accepted (nil if it already ended).
    @discardableResult
    func end(_ channel: Channel) -> Deadline? {
        guard let entry = tokens.withLock({ $0.removeValue(forKey: ObjectIdentifier(channel)) }) else { return nil }
        gate.leave(entry.token)
        return entry.acceptedAt
    }
}

/// A count of things in progress that a thread can wait to reach zero.
// @unchecked Sendable is safe: `count` is used only under `condition`.
public final class PendingCount: @unchecked Sendable {
    private let condition = Condition()
    private var count = 0

    public init() {}

    func begin() { condition.withLock { count += 1 } }

    func end() {
        condition.lock()
        count -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until nothing is pending, at most until `deadline`.
    public func waitForZero(until deadline: Deadline) {
        condition.lock()
        defer { condition.unlock() }
        while count > 0 && condition.wait(until: deadline) {}
    }
}

/// A value behind a lock.
// @unchecked Sendable is safe: `value` is used only under `lock`.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = Lock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Hands one link from NIO's thread to the waiting one; `wake` (a signal) ends any wait.
// @unchecked Sendable is safe: `link` and `woken` are used only under `condition`.
final class AcceptOne: @unchecked Sendable {
    private let condition = Condition()
    private var link: SignalingLink?
    private var woken = false

    func put(_ l: SignalingLink) {
        condition.lock()
        if link == nil { link = l } else { l.close() }
        condition.broadcast()
        condition.unlock()
    }

    func wake() {
        condition.lock()
        woken = true
        condition.broadcast()
        condition.unlock()
    }

    /// The link, once upgraded; nil at the deadline or when woken.
    func take(until deadline: Deadline) -> SignalingLink? {
        condition.lock()
        defer { condition.unlock() }
        while link == nil && !woken && condition.wait(until: deadline) {}
        return link
    }

    /// Waits until `deadline` or a wake.
    func pause(until deadline: Deadline) {
        condition.lock()
        defer { condition.unlock() }
        while !woken && condition.wait(until: deadline) {}
    }

    /// The outcome of `future` (a connect); nil when the deadline passed or a wake came first.
    func wait<T>(for future: EventLoopFuture<T>, until deadline: Deadline) -> Result<T, Error>? {
        let result = LockedBox<Result<T, Error>?>(nil)
        future.whenComplete { [self] r in
            result.withLock { $0 = r }
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
        condition.lock()
        defer { condition.unlock() }
        while result.withLock({ $0 }) == nil && !woken && condition.wait(until: deadline) {}
        return result.withLock { $0 }
    }
}

/// A NIO server channel (ws-listen, whip-listen) as a `SignalingServer`.
public final class NIOSignalingServer: SignalingServer, Sendable {
    public let channel: Channel
    init(channel: Channel) { self.channel = channel }
    public var port: UInt16 { UInt16(channel.localAddress?.port ?? 0) }
    public func close() { channel.close(promise: nil) }
}

/// One WebSocket peer as a `SignalingLink`. Frames that arrive before `start` wait.
///
/// Once its channel has closed the link lets go of its callbacks: they hold whoever started it
/// (a `GatedLink`, a session), which holds this link and so its channel, and a server would
/// otherwise keep every connection it ever accepted.
// @unchecked Sendable is safe: the callbacks, `early`, `endedEarly`, `ended`, `released` and `closing` are
// used only under `lock`; `channel` is a NIO channel, thread-safe.
final class WebSocketLink: SignalingLink, @unchecked Sendable {
    let channel: Channel
    let closeTracker: PendingCount?
    private let lock = Lock()
    private var onMessage: (@Sendable (SignalingMessage) -> Void)?
    private var onEnd: (@Sendable (SignalingError?) -> Void)?
    private var early: [String] = []
    private var endedEarly: SignalingError??
    private var ended = false
    /// The channel closed: the callbacks are dropped and no more are kept.
    private var released = false

    init(channel: Channel, closing: PendingCount?) {
        self.channel = channel
        closeTracker = closing
        channel.closeFuture.whenComplete { [weak self] _ in self?.channelClosed() }
    }

    /// The connection is gone: its end is reported (if the handler has not yet done so) and the
    /// callbacks are released, breaking the cycle through them.
    private func channelClosed() {
        end(nil)
        lock.withLock {
            released = true
            onMessage = nil
            onEnd = nil
        }
    }

    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        // Replay what came early, in order, before installing the handlers: frames (and the
        // end) arriving meanwhile keep queueing, so an early error is never overtaken by the
        // connection's close (which would turn a 65 into a 69).
        while true {
            lock.lock()
            let texts = early
            early.removeAll()
            if texts.isEmpty {
                if !released {
                    self.onMessage = onMessage
                    self.onEnd = onEnd
                }
                let endNow = endedEarly
                if endNow != nil { ended = true }
                lock.unlock()
                if let endNow { onEnd(endNow) }
                return
            }
            lock.unlock()
            for t in texts { process(t, onMessage) }
        }
    }

    func send(_ message: SignalingMessage) {
        let text = message.json()
        let buffer = channel.allocator.buffer(string: text)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
    }

    func close() {
        let first = lock.withLock {
            defer { closing = true }
            return !closing
        }
        guard first else { return }
        if let closeTracker {
            closeTracker.begin()
            channel.closeFuture.whenComplete { _ in closeTracker.end() }
        }
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: channel.allocator.buffer(bytes: [0x03, 0xE8]))
        channel.writeAndFlush(frame).whenComplete { [channel] _ in channel.close(promise: nil) }
    }

    private var closing = false

    /// NIO thread.
    func received(_ text: String) {
        lock.lock()
        if released {
            lock.unlock()
            return
        }
        guard let handler = onMessage else {
            early.append(text)
            lock.unlock()
            return
        }
        lock.unlock()
        process(text, handler)
    }

    private func process(_ text: String, _ handler: (SignalingMessage) -> Void) {
        if text.trimmingWhitespace().isEmpty { return }
        do {
            handler(try SignalingMessage.parse(text))
        } catch let e as SignalingError {
            end(e)
            close()
        } catch {}
    }

    func end(_ error: SignalingError?) {
        lock.lock()
        guard let handler = onEnd else {
            if endedEarly == nil { endedEarly = .some(error) }
            lock.unlock()
            return
        }
        if ended {
            lock.unlock()
            return
        }
        ended = true
        lock.unlock()
        handler(error)
    }
}

/// Reassembles text messages and answers pings; binary frames are a protocol error here.
final class WebSocketLinkHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let link: WebSocketLink
    private var partial: ByteBuffer?

    init(link: WebSocketLink) { self.link = link }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            var d = frame.unmaskedData
            if frame.fin { link.received(d.readString(length: d.readableBytes) ?? "") } else { partial = d }
        case .continuation:
            guard var p = partial else { return }
            var d = frame.unmaskedData
            p.writeBuffer(&d)
            if p.readableBytes > WebSocketSignaling.maxFrameSize {
                link.end(.malformed("WebSocket message too large"))
                context.close(promise: nil)
                return
            }
            if frame.fin {
                partial = nil
                link.received(p.readString(length: p.readableBytes) ?? "")
            } else {
                partial = p
            }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)),
                                  promise: nil)
        case .connectionClose:
            link.end(nil)
            context.close(promise: nil)
        case .binary:
            link.end(.malformed("binary WebSocket frame: signaling is JSON text"))
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        link.end(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        link.end(.malformed("WebSocket error: \(error)"))
        context.close(promise: nil)
    }
}

/// Serves the built-in page for plain HTTP requests (before any upgrade).
final class PageHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let page: String?
    let phase: HTTPPhase
    private var path = "/"

    init(page: String?, phase: HTTPPhase) {
        self.page = page
        self.phase = phase
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            path = head.uri
        case .body:
            break
        case .end:
            phase.end(context.channel)
            let found = page != nil && (path == "/" || path.hasPrefix("/?") || path == "/index.html")
            let body = found ? page ?? "" : "not found\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/html; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            headers.add(name: "Cache-Control", value: "no-store")
            headers.add(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            // The completion runs on the channel's loop, where the context may be used.
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}

/// Sends the client's upgrade GET once connected.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart
    let host: String
    let port: UInt16
    let path: String

    init(host: String, port: UInt16, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response without an upgrade: the link never comes; the caller times out.
        if case .end = unwrapInboundIn(data) { context.close(promise: nil) }
    }
}
