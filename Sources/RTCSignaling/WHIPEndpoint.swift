#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import RTC

/// `rtc answer --signal whip-listen://HOST:PORT` (or `whep-listen://`): a WHIP endpoint
/// (RFC 9725 §4) with swift-nio's HTTP/1.1 server, so OBS, GStreamer or a browser page publish
/// (or, WHEP, play) straight into `rtc`.
///
/// - `POST` (any path but `/resource/…`) with `application/sdp`: the offer; the session's
///   answer comes back as `201 Created` with `Location: /resource/ID` and an `ETag`.
/// - `PATCH /resource/ID` with `application/trickle-ice-sdpfrag`: remote candidates (204), or,
///   with new ICE credentials, an ICE restart: 200 with our new credentials and candidates as a
///   fragment, and a new `ETag` (RFC 9725 §4.4.1).
/// - Our candidates after the answer (rtc's extension; RFC 9725 §4.3.2 has the answer carry
///   them all): a client whose POST sends `Accept: application/sdp,
///   application/trickle-ice-sdpfrag` gets the answer at once (host candidates) and, on each
///   trickle PATCH that accepts that type, 200 with a fragment of the candidates gathered since
///   it was last told (and `a=end-of-candidates` once gathering is complete), or 204 once it
///   knows them all. With nothing new yet the PATCH is held up to `pollHold`, then answered 200
///   with a fragment without candidates (more to come: ask again). Other clients see RFC 9725:
///   a complete answer, 204 without a body.
/// - `DELETE /resource/ID`: ends the session (200), as a peer closing does.
/// - `OPTIONS`: the CORS preflight (204, `Accept-Post: application/sdp`); every response allows
///   any origin, so a page served elsewhere can publish.
/// - The configured STUN/TURN servers (`ServeOptions.iceServers`) go out as `Link: <url>;
///   rel="ice-server"` headers on the 201 and the endpoint's OPTIONS (RFC 9725 §4.6).
///
/// Errors: 405 wrong method, 415 wrong content type, 404 unknown resource, 413 body over 1 MiB,
/// 400 malformed SDP or fragment (one-line body), 401 without the `--token` bearer, 412 an
/// `If-Match` that is not the resource's ETag, 503 a restart the session cannot make.
/// Each connection carries one request (`Connection: close`) and must deliver it within
/// `--signal-timeout` of accept, counted by the same gate as ws-listen's handshakes.
enum WHIPEndpoint {
    static let maxBody = 1 << 20
    /// How long a trickle PATCH with nothing new for its client waits for our next candidate.
    static let pollHold: TimeAmount = .seconds(2)
    static let fragmentType = "application/trickle-ice-sdpfrag"

    static func serve(host: String, port: UInt16, kind: WHIPKind, options: ServeOptions, gate: HandshakeGate,
                      admit body: @escaping @Sendable (GatedLink) -> Void) throws -> SignalingServer {
        let resources = WHIPResources()
        let phase = HTTPPhase(gate: gate)
        let bootstrap = ServerBootstrap(group: options.group)
            .serverChannelOption(NIOCore.ChannelOptions.backlog, value: 128)
            .serverChannelOption(NIOCore.ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                // Slowloris: a request still incomplete at the deadline closes the connection.
                phase.begin(channel)
                return channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            WHIPRequestHandler(resources: resources, gate: gate, phase: phase, options: options, admit: body))
                    }
                }
            }
        let channel: Channel
        do { channel = try bootstrap.bind(host: host == "localhost" ? "127.0.0.1" : host, port: Int(port)).wait() } catch {
            throw SignalingFailure(.unreachable, "cannot listen on \(host):\(port): \(error)")
        }
        if options.verbose {
            options.log("\(kind.rawValue) endpoint on http://\(host):\(channel.localAddress?.port ?? Int(port))/")
        }
        return NIOSignalingServer(channel: channel)
    }
}

/// The live resources, by id, and the last ones whose session ended. Any thread.
// @unchecked Sendable is safe: its only state is the LockedBox, whose every access holds its lock.
final class WHIPResources: @unchecked Sendable {
    private let box = LockedBox<(live: [String: WHIPServerLink], ended: [String])>(([:], []))
    /// Ended ids kept, so the client's DELETE after a session ended (its channels closed
    /// first) still succeeds: DELETE is idempotent (RFC 9110 §9.2.2).
    static let endedKept = 64

    func add(_ link: WHIPServerLink) {
        link.onClose = { [weak self] l in self?.end(l.id) }
        box.withLock { $0.live[link.id] = link }
    }

    func find(_ id: String) -> WHIPServerLink? { box.withLock { $0.live[id] } }

    /// The session ended on its own: later DELETEs of it succeed, PATCHes find nothing.
    func end(_ id: String) {
        box.withLock {
            guard $0.live.removeValue(forKey: id) != nil else { return }
            $0.ended.append(id)
            if $0.ended.count > Self.endedKept { $0.ended.removeFirst() }
        }
    }

    /// DELETE: the live resource (now ended), or whether `id` named one that ended already.
    func delete(_ id: String) -> (link: WHIPServerLink?, known: Bool) {
        box.withLock {
            if let link = $0.live.removeValue(forKey: id) {
                $0.ended.append(id)
                if $0.ended.count > Self.endedKept { $0.ended.removeFirst() }
                return (link, true)
            }
            return (nil, $0.ended.contains(id))
        }
    }
}

/// One request per connection (on its event loop).
final class WHIPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let resources: WHIPResources
    let gate: HandshakeGate
    let phase: HTTPPhase
    let options: ServeOptions
    let admit: @Sendable (GatedLink) -> Void
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var refused = false

    init(resources: WHIPResources, gate: HandshakeGate, phase: HTTPPhase, options: ServeOptions,
         admit: @escaping @Sendable (GatedLink) -> Void) {
        self.resources = resources
        self.gate = gate
        self.phase = phase
        self.options = options
        self.admit = admit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(h):
            head = h
            body = context.channel.allocator.buffer(capacity: 0)
            if let length = h.headers.first(name: "Content-Length").flatMap(Int.init), length > WHIPEndpoint.maxBody {
                refuse(context, .payloadTooLarge, "body of \(length) bytes exceeds \(WHIPEndpoint.maxBody) bytes")
            }
        case var .body(chunk):
            guard !refused else { return }
            body?.writeBuffer(&chunk)
            if (body?.readableBytes ?? 0) > WHIPEndpoint.maxBody {
                refuse(context, .payloadTooLarge, "body exceeds \(WHIPEndpoint.maxBody) bytes")
            }
        case .end:
            guard !refused, let head else { return }
            phase.end(context.channel)
            let text = body.map { String(buffer: $0) } ?? ""
            handle(context, head, text)
        }
    }

    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ reason: String) {
        refused = true
        phase.end(context.channel)
        Self.reply(context, status, text: reason)
    }

    // MARK: - Routing (RFC 9725 §4)

    private func handle(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ text: String) {
        let path = String(head.uri.prefix { $0 != "?" })
        let resourceID = path.hasPrefix("/resource/") ? String(path.dropFirst("/resource/".count)) : nil
        if head.method == .OPTIONS {
            // The CORS preflight carries no credentials: answered without --token.
            var h = HTTPHeaders()
            h.add(name: "Access-Control-Allow-Methods", value: "OPTIONS, POST, PATCH, DELETE")
            h.add(name: "Access-Control-Allow-Headers", value: "Authorization, Content-Type, If-Match")
            h.add(name: "Access-Control-Max-Age", value: "86400")
            if resourceID == nil {
                h.add(name: "Accept-Post", value: "application/sdp")
                // Our STUN/TURN servers for a client that asks before its offer (RFC 9725 §4.6);
                // with --token only to one that shows it (a preflight carries no credentials).
                let shown = head.headers.first(name: "Authorization")
                if options.token.map({ shown == "Bearer \($0)" }) ?? true { Self.addICEServers(options.iceServers, to: &h) }
            } else {
                h.add(name: "Accept-Patch", value: "application/trickle-ice-sdpfrag")
            }
            Self.reply(context, .noContent, headers: h)
            return
        }
        if let token = options.token, head.headers.first(name: "Authorization") != "Bearer \(token)" {
            var h = HTTPHeaders()
            h.add(name: "WWW-Authenticate", value: "Bearer")
            Self.reply(context, .unauthorized, headers: h, text: "missing or wrong bearer token")
            return
        }
        switch (head.method, resourceID) {
        case (.POST, nil):
            post(context, head, text)
        case let (.PATCH, id?):
            patch(context, head, id, text)
        case let (.DELETE, id?):
            if options.verbose { options.log("WHIP DELETE \(path)") }
            let (link, known) = resources.delete(id)
            guard known else { return Self.reply(context, .notFound, text: "no such resource") }
            // The session ends once the 200 is out: with --count reached, the process exits then.
            Self.reply(context, .ok) { link?.deliver(.bye) }
        default:
            var h = HTTPHeaders()
            h.add(name: "Allow", value: resourceID == nil ? "OPTIONS, POST" : "OPTIONS, PATCH, DELETE")
            Self.reply(context, .methodNotAllowed, headers: h, text: "\(head.method.rawValue) not allowed on \(path)")
        }
    }

    private func post(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ text: String) {
        guard Self.mediaType(head) == "application/sdp" else {
            return Self.reply(context, .unsupportedMediaType, text: "the offer must be application/sdp")
        }
        let description: SessionDescription
        do { description = try SessionDescription.parse(text) } catch {
            return Self.reply(context, .badRequest, text: "malformed SDP offer: \(error)")
        }
        let ufrag = description.media.first?.iceUfrag ?? description.iceUfrag
        guard !description.media.isEmpty, ufrag != nil else {
            return Self.reply(context, .badRequest, text: "the SDP offer has no media section or no ICE credentials")
        }
        let channel = context.channel
        let loop = context.eventLoop
        let responder = NIOLoopBound(context, eventLoop: loop)
        let linkBox = LockedBox<WHIPServerLink?>(nil)
        let iceServers = options.iceServers
        let takesCandidates = Self.accepts(head, WHIPEndpoint.fragmentType)
        let link = WHIPServerLink(offer: SessionDescriptionInit(type: .offer, sdp: text), ufrag: ufrag,
                                  clientTakesCandidates: takesCandidates) { answer in
            loop.execute {
                guard let link = linkBox.withLock({ $0 }) else { return }
                guard let answer else {
                    Self.reply(responder.value, .serviceUnavailable, text: "the session ended before an answer")
                    return
                }
                var h = HTTPHeaders()
                h.add(name: "Content-Type", value: "application/sdp")
                h.add(name: "Location", value: link.location)
                h.add(name: "ETag", value: link.etag)
                h.add(name: "Accept-Patch", value: "application/trickle-ice-sdpfrag")
                Self.addICEServers(iceServers, to: &h)
                Self.reply(responder.value, .created, headers: h, text: answer.sdp, line: false)
            }
        }
        linkBox.withLock { $0 = link }
        resources.add(link)
        // A client that leaves before its answer ends the session it asked for (or, still
        // queued, drops out of the queue), as a peer saying bye does.
        channel.closeFuture.whenComplete { _ in
            if link.awaitingAnswer { link.deliver(.bye) }
        }
        if options.verbose {
            options.log("WHIP offer received, resource \(link.location)"
                        + (takesCandidates ? " (the client takes our candidates in PATCH responses)" : ""))
        }
        GatedLink(link, gate: gate, options: options, admit: admit).open()
    }

    private func patch(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ id: String, _ text: String) {
        guard let link = resources.find(id) else { return Self.reply(context, .notFound, text: "no such resource") }
        guard Self.mediaType(head) == "application/trickle-ice-sdpfrag" else {
            return Self.reply(context, .unsupportedMediaType, text: "a PATCH must be application/trickle-ice-sdpfrag")
        }
        // RFC 9725 §4.3.1: If-Match, when sent, names the resource's current ETag.
        if let match = head.headers.first(name: "If-Match"), match != "*", match != link.etag {
            return Self.reply(context, .preconditionFailed, text: "If-Match \(match) is not the resource's ETag")
        }
        let fragment: TrickleICEFragment
        do { fragment = try TrickleICEFragment.parse(text) } catch {
            return Self.reply(context, .badRequest, text: "malformed trickle-ice-sdpfrag: \(error)")
        }
        if let u = fragment.ufrag, let current = link.ufrag, u != current {
            return restart(context, link, fragment)
        }
        if options.verbose {
            options.log("WHIP PATCH /resource/\(id) (\(fragment.candidateInits.count) candidates\(fragment.endOfCandidates ? ", end" : ""))")
        }
        for c in fragment.candidateInits { link.deliver(.candidate(c)) }
        if fragment.endOfCandidates { link.deliver(.endOfCandidates) }
        // RFC 9725 §4.3.2: 204 without a body; our candidates only to a client that asked for
        // them with its POST (then the session trickles to it) and accepts them here.
        guard link.clientTakesCandidates, Self.accepts(head, WHIPEndpoint.fragmentType), let offer = try? SessionDescription.parse(link.offer.sdp) else {
            return Self.reply(context, .noContent)
        }
        let loop = context.eventLoop
        let responder = NIOLoopBound(context, eventLoop: loop)
        let verbose = options.verbose, log = options.log, location = link.location
        let held = link.poll { news in
            loop.execute {
                guard let news else { return Self.reply(responder.value, .noContent) }
                if verbose {
                    log("WHIP PATCH \(location) answered with \(news.candidates.count) of our candidates\(news.end ? ", end" : "")")
                }
                var h = HTTPHeaders()
                h.add(name: "Content-Type", value: WHIPEndpoint.fragmentType)
                let body = TrickleICEFragment.carrying(news.parameters, of: offer)
                Self.reply(responder.value, .ok, headers: h, text: body.text(), line: false)
            }
        }
        if let held { loop.scheduleTask(in: WHIPEndpoint.pollHold) { link.expire(held) } }
    }

    /// Whether the request's `Accept` lists `type` (RFC 9110 §12.5.1; `*/*` does not count:
    /// only a client that names the fragment type gets it).
    private static func accepts(_ head: HTTPRequestHead, _ type: String) -> Bool {
        head.headers["Accept"].contains { value in
            value.split(separator: ",").contains { range in
                let name = range.prefix { $0 != ";" }.trimmingWhitespace().lowercased()
                let q = range.split(separator: ";").dropFirst().map { $0.trimmingWhitespace().lowercased() }
                return name == type && !q.contains { $0.hasPrefix("q=") && Double($0.dropFirst(2)) == 0 }
            }
        }
    }

    /// RFC 9725 §4.4.1: new credentials ask for an ICE restart. The session restarts its
    /// connection; the reply is 200 with our new credentials and candidates as a fragment and the
    /// resource's new ETag.
    private func restart(_ context: ChannelHandlerContext, _ link: WHIPServerLink, _ fragment: TrickleICEFragment) {
        guard let theirs = fragment.iceParameters else {
            return Self.reply(context, .badRequest, text: "an ICE restart needs both a=ice-ufrag and a=ice-pwd")
        }
        if options.verbose { options.log("WHIP PATCH \(link.location): ICE restart (ufrag \(theirs.ufrag))") }
        let loop = context.eventLoop
        let responder = NIOLoopBound(context, eventLoop: loop)
        let offer = try? SessionDescription.parse(link.offer.sdp)
        link.restartICE(theirs) { result in
            loop.execute {
                guard let (ours, etag) = result, let offer else {
                    return Self.reply(responder.value, .serviceUnavailable, text: "the session cannot restart ICE now")
                }
                let body = TrickleICEFragment.restarting(ours, of: offer)
                var h = HTTPHeaders()
                h.add(name: "Content-Type", value: "application/trickle-ice-sdpfrag")
                h.add(name: "ETag", value: etag)
                Self.reply(responder.value, .ok, headers: h, text: body.text(), line: false)
            }
        }
    }

    /// One `Link: <url>; rel="ice-server"` header per configured server (RFC 9725 §4.6).
    private static func addICEServers(_ servers: [ICEServerLink], to headers: inout HTTPHeaders) {
        for server in servers { headers.add(name: "Link", value: server.headerValue) }
    }

    /// The media type without parameters, lowercased (RFC 9110 §8.3.1).
    private static func mediaType(_ head: HTTPRequestHead) -> String {
        let value = head.headers.first(name: "Content-Type") ?? ""
        return String(value.prefix { $0 != ";" }).trimmingWhitespace().lowercased()
    }

    /// Writes the response and closes the connection (one request each). Error bodies are one
    /// line of text/plain.
    static func reply(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, headers: HTTPHeaders = HTTPHeaders(),
                      text: String = "", line: Bool = true, then: (@Sendable () -> Void)? = nil) {
        var h = headers
        h.add(name: "Access-Control-Allow-Origin", value: "*")
        h.add(name: "Access-Control-Expose-Headers", value: "Location, ETag, Link, Accept-Patch, Accept-Post")
        let body = line && !text.isEmpty ? String(text.prefix { $0 != "\n" && $0 != "\r" }) + "\n" : text
        if line && !body.isEmpty { h.add(name: "Content-Type", value: "text/plain; charset=utf-8") }
        h.add(name: "Content-Length", value: "\(body.utf8.count)")
        h.add(name: "Connection", value: "close")
        context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: h))),
                      promise: nil)
        if !body.isEmpty {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(context.channel.allocator.buffer(string: body)))),
                          promise: nil)
        }
        // The completion runs on the channel's loop, where the context may be used.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
            bound.value.close(promise: nil)
            then?()
        }
    }
}
