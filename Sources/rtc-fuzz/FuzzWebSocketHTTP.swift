#if RTC_LIBFUZZER || DEBUG
import NIOCore
import NIOEmbedded
import RTC
@testable import RTCSignaling
import RTCTransfer

/// The `ws-http` target (issue 15, item 8): a fuzzer of the `ws-listen` request path. swift-nio
/// parses the HTTP request; what is ours runs on it: the page handler, the WebSocket upgrade
/// configuration, the frame reassembly of `WebSocketLinkHandler` and `SignalingMessage.parse` on
/// each text message. Each input arrives on a fresh in-memory connection (`EmbeddedChannel`) set
/// up by the same initializer `ws-listen` installs on an accepted socket; then the peer goes away.
/// After the close nothing may keep the connection alive: a retain cycle there is a leak of every
/// connection a long-running server accepts.
enum WebSocketFuzzServer {
    /// As `rtc answer --signal ws-listen://` serves: the default handshake timeout and cap; a peer
    /// that sends a valid offer is admitted and then closed. The deadlines are not scheduled: an
    /// input is over long before one would fire, and Dispatch would keep each for 10 s.
    static let initializer: @Sendable (Channel) -> EventLoopFuture<Void> = {
        let options = ServeOptions(expecting: .offer, signalTimeout: 10, page: TransferPage.html(mode: "listen"),
                                   log: { _ in })
        let gate = HandshakeGate(timeout: options.signalTimeout, maxPending: options.maxPending, verbose: false,
                                 log: { _ in }, schedule: { _, _ in })
        return WebSocketSignaling.connectionInitializer(options: options, gate: gate) { link in
            link.start(onMessage: { _ in }, onEnd: { _ in link.close() })
        }
    }()
}

func fuzzWebSocketHTTP(_ bytes: [UInt8]) {
    weak var probe: EmbeddedChannel?
    do {
        let channel = EmbeddedChannel()
        probe = channel
        let configured = WebSocketFuzzServer.initializer(channel)
        channel.embeddedEventLoop.run()
        var setUp = false
        configured.whenSuccess { setUp = true }
        check(setUp, "the ws-listen pipeline was not set up")
        _ = try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        // Errors the pipeline passes on (a malformed request) are rethrown here: not findings.
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
        channel.embeddedEventLoop.run()
        _ = try? channel.close().wait()
        channel.embeddedEventLoop.run()
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
    check(probe == nil, "a ws-listen connection outlived its close (retain cycle)")
}
#endif
