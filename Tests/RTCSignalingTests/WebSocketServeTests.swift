import Foundation
import NIOCore
import NIOEmbedded
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

    /// Runs `bytes` from a peer on a fresh connection that then closes; returns a weak probe of it.
    static func serveOne(_ bytes: [UInt8], admitted: Admitted) throws -> () -> Channel? {
        let gate = HandshakeGate(timeout: 10, maxPending: 4, verbose: false, log: { _ in }, schedule: { _, _ in })
        let options = ServeOptions(expecting: .offer, signalTimeout: 10, page: "<p>page</p>", log: { _ in })
        let initializer = WebSocketSignaling.connectionInitializer(options: options, gate: gate) { link in
            admitted.admit(link)
            // As a session does: its callbacks hold the link.
            link.start(onMessage: { admitted.received($0) }, onEnd: { _ in admitted.ended(); link.close() })
        }
        weak var probe: EmbeddedChannel?
        do {
            let channel = EmbeddedChannel()
            probe = channel
            try initializer(channel).wait()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            // The upgrade completes in tasks on the loop.
            channel.embeddedEventLoop.run()
            var reply = ""
            while let part = try channel.readOutbound(as: IOData.self) {
                if case let .byteBuffer(b) = part { reply += String(buffer: b) }
            }
            #expect(reply.hasPrefix("HTTP/1.1 "), "no HTTP reply: \(reply)")
            // The page handler closes after its reply; a WebSocket peer goes away here.
            if channel.isActive { try channel.close().wait() }
            channel.embeddedEventLoop.run()
            _ = try channel.finish(acceptAlreadyClosed: true)
        }
        return { probe }
    }

    @Test func anUpgradedPeerIsReleasedWhenItCloses() throws {
        let admitted = Admitted()
        let probe = try Self.serveOne(Self.upgrade + Self.maskedText(Self.offer.json()), admitted: admitted)
        #expect(admitted.messages == [Self.offer], "the offer admits the peer and reaches the session")
        #expect(admitted.ends == 1)
        #expect(admitted.link == nil, "the GatedLink outlived its connection")
        #expect(probe() == nil, "the channel outlived its close")
    }

    @Test func aPeerThatUpgradesAndSendsNothingIsReleased() throws {
        let admitted = Admitted()
        let probe = try Self.serveOne(Self.upgrade, admitted: admitted)
        #expect(admitted.messages.isEmpty)
        #expect(probe() == nil, "the channel outlived its close")
    }

    @Test func aPageRequestIsReleased() throws {
        let admitted = Admitted()
        let probe = try Self.serveOne(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8), admitted: admitted)
        #expect(admitted.link == nil)
        #expect(probe() == nil, "the channel outlived its close")
    }
}
