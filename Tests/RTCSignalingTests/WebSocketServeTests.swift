import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import Testing
import RTC
@testable import RTCSignaling

/// ws-listen's connections, on an in-memory channel set up by the initializer `serve` installs on
/// each accepted socket: a closed connection is released, with its link and everything the
/// session's callbacks hold (the `ws-http` fuzz target found every upgraded connection kept alive
/// by the cycle GatedLink → session callback → GatedLink → WebSocketLink → channel).
@Suite struct WebSocketServeTests {
    /// What the server admitted, held weakly so the test does not keep it alive itself.
    final class Admitted: @unchecked Sendable {
        private let lock = NSLock()
        private weak var _link: GatedLink?
        private var _messages: [SignalingMessage] = []
        private var _ends = 0
        var link: GatedLink? { lock.withLock { _link } }
        var messages: [SignalingMessage] { lock.withLock { _messages } }
        var ends: Int { lock.withLock { _ends } }
        func admit(_ l: GatedLink) { lock.withLock { _link = l } }
        func received(_ m: SignalingMessage) { lock.withLock { _messages.append(m) } }
        func ended() { lock.withLock { _ends += 1 } }
    }

    static let offer = SignalingMessage.description(SessionDescriptionInit(type: .offer, sdp: "v=0\r\n"))

    static let upgrade = Array(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)

    /// A client's masked text frame (RFC 6455 §5.2, §5.3).
    static func maskedText(_ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        precondition(payload.count < 126)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        return [0x81, 0x80 | UInt8(payload.count)] + mask + payload.enumerated().map { $1 ^ mask[$0 % 4] }
    }

    /// A finished connection: a weak probe of its channel, and what the server wrote back.
    struct Served {
        let probe: () -> Channel?
        let reply: String
    }

    /// Runs `bytes` from a peer on a fresh connection that then closes. With `refused`, the
    /// upgrade is expected to be refused (swift-nio passes its refusal down the pipeline as an
    /// error, which the in-memory channel throws). With `cutShort`, the peer goes away in the
    /// middle of a request: no reply is due, and the HTTP decoder reports the early end.
    static func serveOne(_ bytes: [UInt8], admitted: Admitted, refused: Bool = false,
                         cutShort: Bool = false) throws -> Served {
        let gate = HandshakeGate(timeout: 10, maxPending: 4, verbose: false, log: { _ in }, schedule: { _, _ in })
        let options = ServeOptions(expecting: .offer, signalTimeout: 10, page: "<p>page</p>", log: { _ in })
        let initializer = WebSocketSignaling.connectionInitializer(options: options, gate: gate) { link in
            admitted.admit(link)
            // As a session does: its callbacks hold the link.
            link.start(onMessage: { admitted.received($0) }, onEnd: { _ in admitted.ended(); link.close() })
        }
        weak var probe: EmbeddedChannel?
        var reply = ""
        do {
            let channel = EmbeddedChannel()
            probe = channel
            try initializer(channel).wait()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
            do {
                try channel.writeInbound(ByteBuffer(bytes: bytes))
                #expect(!refused, "the upgrade was not refused")
            } catch is NIOWebSocketUpgradeError where refused {}
            // The upgrade completes in tasks on the loop.
            channel.embeddedEventLoop.run()
            while let part = try channel.readOutbound(as: IOData.self) {
                if case let .byteBuffer(b) = part { reply += String(buffer: b) }
            }
            #expect(cutShort || reply.hasPrefix("HTTP/1.1 "), "no HTTP reply: \(reply)")
            // The page handler closes after its reply; a WebSocket peer goes away here.
            if channel.isActive { try channel.close().wait() }
            channel.embeddedEventLoop.run()
            do {
                _ = try channel.finish(acceptAlreadyClosed: true)
            } catch HTTPParserError.invalidEOFState where cutShort {}
        }
        return Served(probe: { probe }, reply: reply)
    }

    /// An upgrade request whose `Connection` header lacks the `upgrade` token (RFC 6455 §4.2.1)
    /// is no upgrade: swift-nio's HTTP parser then goes on parsing the requests pipelined behind
    /// it, while its upgrade handler (which does not check that header) upgraded and replayed
    /// them as HTTP parts into the WebSocket frame decoder, a fatal error that ended the whole
    /// `ws-listen` server (found by the `ws-http` fuzz target). Such a request gets a plain HTTP
    /// answer.
    @Test(arguments: ["keep-alive", "", "\u{dc}pgrade", "upgrades"])
    func anUpgradeWithoutTheConnectionTokenIsAPlainRequest(connection: String) throws {
        let admitted = Admitted()
        let request = Array(("GET /signal HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: \(connection)\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\nGET /?a=b HTTP/1.1\r\nHost: x\r\n\r\n").utf8)
        let served = try Self.serveOne(request, admitted: admitted, refused: true)
        #expect(!served.reply.hasPrefix("HTTP/1.1 101"), "upgraded: \(served.reply.prefix(80))")
        #expect(admitted.link == nil && admitted.messages.isEmpty, "admitted without an upgrade")
        #expect(served.probe() == nil, "the channel outlived its close")
    }

    /// Only a GET without a body (HTTP/1.1 or later) upgrades (RFC 6455 §4.1). swift-nio's
    /// upgrade handler waits for the end of an upgrade request's body; a peer that announced one
    /// and went away before sending it all left the handler holding the connection: every such
    /// connection leaked (found by the `ws-http` fuzz target). Such requests are plain HTTP now.
    @Test(arguments: [
        ("GET", "HTTP/1.1", "Content-Length: 51\r\n"), ("GET", "HTTP/1.1", "Transfer-Encoding: chunked\r\n"),
        ("POST", "HTTP/1.1", "Content-Length: 51\r\n"), ("POST", "HTTP/1.1", ""), ("GET", "HTTP/1.0", ""),
    ])
    func onlyABodilessGetUpgrades(method: String, version: String, framing: String) throws {
        let admitted = Admitted()
        let request = String(decoding: Self.upgrade, as: UTF8.self)
            .replacingOccurrences(of: "GET / HTTP/1.1\r\n", with: "\(method) /signal \(version)\r\n\(framing)")
        // Part of the announced body (a frame's first bytes), then the peer goes away.
        let served = try Self.serveOne(Array(request.utf8) + [0x81, 0xcd, 0x31], admitted: admitted, refused: true,
                                       cutShort: !framing.isEmpty)
        #expect(!served.reply.hasPrefix("HTTP/1.1 101"), "upgraded: \(served.reply.prefix(80))")
        #expect(admitted.link == nil, "admitted without an upgrade")
        #expect(served.probe() == nil, "the channel outlived its close")
    }

    /// The token may come with others, in any case (`Connection: keep-alive, Upgrade`).
    @Test func anUpgradeTokenAmongOthersUpgrades() throws {
        let admitted = Admitted()
        let request = String(decoding: Self.upgrade, as: UTF8.self)
            .replacingOccurrences(of: "Connection: Upgrade", with: "Connection: keep-alive, UPGRADE")
        _ = try Self.serveOne(Array(request.utf8) + Self.maskedText(Self.offer.json()), admitted: admitted)
        #expect(admitted.messages == [Self.offer])
    }

    @Test func anUpgradedPeerIsReleasedWhenItCloses() throws {
        let admitted = Admitted()
        let probe = try Self.serveOne(Self.upgrade + Self.maskedText(Self.offer.json()), admitted: admitted).probe
        #expect(admitted.messages == [Self.offer], "the offer admits the peer and reaches the session")
        #expect(admitted.ends == 1)
        #expect(admitted.link == nil, "the GatedLink outlived its connection")
        #expect(probe() == nil, "the channel outlived its close")
    }

    @Test func aPeerThatUpgradesAndSendsNothingIsReleased() throws {
        let admitted = Admitted()
        let probe = try Self.serveOne(Self.upgrade, admitted: admitted).probe
        #expect(admitted.messages.isEmpty)
        #expect(probe() == nil, "the channel outlived its close")
    }

    @Test func aPageRequestIsReleased() throws {
        let admitted = Admitted()
        let probe = try Self.serveOne(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8), admitted: admitted).probe
        #expect(admitted.link == nil)
        #expect(probe() == nil, "the channel outlived its close")
    }
}
