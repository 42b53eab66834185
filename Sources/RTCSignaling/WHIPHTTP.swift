import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import RTC

/// The HTTP client behind WHIP/WHEP signaling: AsyncHTTPClient on the signaling event loop,
/// HTTP/1.1 only, HTTPS verified against the system trust store (NIOSSL's default roots),
/// redirects followed with method and body kept (307/308, and 301/302 too: a WHIP POST
/// turned into a GET would be meaningless), at most 5 hops.
///
/// The client is created only when a whip/whep URL is used, so other commands never start it.
// @unchecked Sendable is safe: every stored property is a `let` of a Sendable type or of HTTPClient
// (thread-safe by AsyncHTTPClient's contract); the client list is a LockedBox.
final class WHIPHTTP: @unchecked Sendable {
    let group: EventLoopGroup
    let cancellation: SignalingCancellation?
    /// Clients live until the process exits: AsyncHTTPClient insists on a shutdown before
    /// deinit, and nothing is gained by one at exit.
    private static let clients = LockedBox<[HTTPClient]>([])

    let client: HTTPClient

    init(connectTimeout: Double, group: EventLoopGroup, cancellation: SignalingCancellation?) {
        self.group = group
        self.cancellation = cancellation
        var config = HTTPClient.Configuration(
            redirectConfiguration: .follow(configuration: .init(max: 5, allowCycles: false,
                                                                retainHTTPMethodAndBodyOn301: true,
                                                                retainHTTPMethodAndBodyOn302: true)),
            timeout: .init(connect: .milliseconds(Int64(connectTimeout * 1000))))
        config.httpVersion = .http1Only
        // A refused connection is an answer (69), not something to retry until the deadline.
        config.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: config)
        Self.clients.withLock { $0.append(client) }
    }

    /// Bodies read back are capped like every other input (1 MiB).
    static let maxBody = 1 << 20

    /// One request, failing with `HTTPClientError.deadlineExceeded` after `deadline` seconds.
    func request(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders, body: String? = nil,
                 deadline: Double) -> EventLoopFuture<HTTPClient.Response> {
        let loop = group.next()
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: url, method: method, headers: headers, body: body.map { .string($0) })
        } catch {
            return loop.makeFailedFuture(SignalingFailure(.usage, "bad URL \(url): \(error)"))
        }
        let accumulator = ResponseAccumulator(request: request, maxBodySize: Self.maxBody)
        return client.execute(request: request, delegate: accumulator,
                              deadline: .now() + .milliseconds(Int64(deadline * 1000))).futureResult
    }

    /// Blocks until `future` completes, at most `seconds` (pass its request's deadline: the
    /// client fails it then; the wait's own bound is a second later); with `interruptible`,
    /// the cancellation ends the wait (`.interrupted`). Nil when the bound passed.
    func wait(_ future: EventLoopFuture<HTTPClient.Response>, within seconds: Double,
              interruptible: Bool = true) -> Result<HTTPClient.Response, Error>? {
        let waiter = AcceptOne()
        if interruptible, let cancellation { cancellation.observe { waiter.wake() } }
        let outcome = waiter.wait(for: future, until: Deadline.after(seconds + 1))
        if outcome == nil, interruptible, let cancellation, cancellation.signal != nil {
            return .failure(cancellation.failure("waiting for the HTTP server"))
        }
        return outcome
    }
}
