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
/// `ws-listen://HOST:PORT` serves, besides the WebSocket upgrade on any path, the built-in
/// transfer page at `/` (see `TransferPage`), so a browser can reach `rtc` with no other server.
enum WebSocketSignaling {
    /// What the built-in page does: `listen` (the browser sends files) or `send` (it receives).
    nonisolated(unsafe) static var pageMode = "listen"
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let maxFrameSize = 1 << 20

    static func connectOne(_ url: SignalURL, peer: PeerOptions) throws -> SignalingLink {
        switch url {
        case let .ws(host, port, path):
            return try connect(host: host, port: port, path: path, timeout: peer.connectTimeout)
        case .wsListen:
            let accepted = AcceptOne()
            let server = try serve(url, verbose: peer.verbose) { link in accepted.put(link) }
            let link = accepted.take()
            server.closeServer()
            return link
        default:
            throw CLIError(.usage, "not a WebSocket URL")
        }
    }

    /// Serves the page and WebSocket peers until closed; `body` gets each connected peer.
    static func serve(_ url: SignalURL, verbose: Bool,
                      body: @escaping @Sendable (SignalingLink) -> Void) throws -> ClosableServer {
        guard case let .wsListen(host, port) = url else { throw CLIError(.usage, "not a ws-listen URL") }
        let page = TransferPage.html(mode: pageMode)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: maxFrameSize,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                let link = WebSocketLink(channel: channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketLinkHandler(link: link))
                    body(link)
                }
            })
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(NIOCore.ChannelOptions.backlog, value: 16)
            .serverChannelOption(NIOCore.ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                // Handlers live on their channel's loop; NIOLoopBound carries them into the
                // pipeline callbacks, which run there too.
                let pageHandler = NIOLoopBound(PageHandler(page: page), eventLoop: channel.eventLoop)
                let config: NIOHTTPServerUpgradeConfiguration = (
                    upgraders: [upgrader],
                    completionHandler: { _ in channel.pipeline.syncOperations.removeHandler(pageHandler.value, promise: nil) }
                )
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: config).flatMap {
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(pageHandler.value)
                    }
                }
            }
        let channel: Channel
        do { channel = try bootstrap.bind(host: host == "localhost" ? "127.0.0.1" : host, port: Int(port)).wait() } catch {
            throw CLIError(.unavailable, "cannot listen on \(host):\(port): \(error)")
        }
        if verbose { printError("rtc: listening on ws://\(host):\(channel.localAddress?.port ?? Int(port))/") }
        return WebSocketServer(channel: channel)
    }

    /// Connects to `ws://host:port/path` and upgrades.
    static func connect(host: String, port: UInt16, path: String, timeout: Double) throws -> SignalingLink {
        let upgraded = AcceptOne()
        let deadline = Deadline.after(timeout)
        var lastError: Error = CLIError(.unavailable, "no attempt")
        repeat {
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    let requestHandler = NIOLoopBound(UpgradeRequestHandler(host: host, port: port, path: path),
                                                      eventLoop: channel.eventLoop)
                    var key = [UInt8](repeating: 0, count: 16)
                    for i in key.indices { key[i] = UInt8.random(in: 0...255) }
                    let upgrader = NIOWebSocketClientUpgrader(
                        requestKey: Data(key).base64EncodedString(), maxFrameSize: maxFrameSize,
                        upgradePipelineHandler: { channel, _ in
                            let link = WebSocketLink(channel: channel)
                            return channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(WebSocketLinkHandler(link: link))
                                upgraded.put(link)
                            }
                        })
                    let config: NIOHTTPClientUpgradeConfiguration = (
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
            do {
                let channel = try bootstrap.connect(host: host == "localhost" ? "127.0.0.1" : host, port: Int(port)).wait()
                if let link = upgraded.take(timeout: max(1, deadline.secondsLeft)) { return link }
                channel.close(promise: nil)
                throw CLIError(.unavailable, "ws://\(host):\(port)\(path) did not upgrade to a WebSocket")
            } catch let e as CLIError {
                throw e
            } catch {
                lastError = error
                usleep(100_000)
            }
        } while !deadline.hasPassed
        throw CLIError(.unavailable, "cannot connect to ws://\(host):\(port)\(path): \(lastError)")
    }
}

/// Hands one link from NIO's thread to the waiting one.
final class AcceptOne: @unchecked Sendable {
    private let condition = Condition()
    private var link: SignalingLink?

    func put(_ l: SignalingLink) {
        condition.lock()
        if link == nil { link = l } else { l.close() }
        condition.broadcast()
        condition.unlock()
    }

    func take() -> SignalingLink {
        condition.lock()
        defer { condition.unlock() }
        while link == nil { condition.wait() }
        return link!
    }

    func take(timeout: Double) -> SignalingLink? {
        let deadline = Deadline.after(timeout)
        condition.lock()
        defer { condition.unlock() }
        while link == nil && condition.wait(until: deadline) {}
        return link
    }
}

final class WebSocketServer: ClosableServer, @unchecked Sendable {
    let channel: Channel
    init(channel: Channel) { self.channel = channel }
    func closeServer() { channel.close(promise: nil) }
}

/// One WebSocket peer as a `SignalingLink`. Frames that arrive before `start` wait.
final class WebSocketLink: SignalingLink, @unchecked Sendable {
    let channel: Channel
    private let lock = Lock()
    private var onMessage: (@Sendable (SignalingMessage) -> Void)?
    private var onEnd: (@Sendable (SignalingError?) -> Void)?
    private var early: [String] = []
    private var endedEarly: SignalingError??
    private var ended = false

    init(channel: Channel) { self.channel = channel }

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
                self.onMessage = onMessage
                self.onEnd = onEnd
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
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: channel.allocator.buffer(bytes: [0x03, 0xE8]))
        channel.writeAndFlush(frame).whenComplete { [channel] _ in channel.close(promise: nil) }
    }

    /// NIO thread.
    func received(_ text: String) {
        lock.lock()
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
    let page: String
    private var path = "/"

    init(page: String) { self.page = page }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            path = head.uri
        case .body:
            break
        case .end:
            let found = path == "/" || path.hasPrefix("/?") || path == "/index.html"
            let body = found ? page : "not found\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/html; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            headers.add(name: "Cache-Control", value: "no-store")
            headers.add(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
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
