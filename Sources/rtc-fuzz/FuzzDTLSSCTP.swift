#if RTC_LIBFUZZER || DEBUG
@testable import RTC

/// Records the last packet an upper layer sent down, passing everything on.
private final class LastSentTap: PacketTransport {
    let inner: PacketTransport
    var last: [UInt8] = []

    init(_ inner: PacketTransport) { self.inner = inner }

    var onReceive: (([UInt8]) -> Void)? {
        get { inner.onReceive }
        set { inner.onReceive = newValue }
    }

    @discardableResult
    func send(_ packet: [UInt8]) -> Bool {
        last = packet
        return inner.send(packet)
    }
}

/// An established DTLS + SCTP pair over a `MemoryLink` on a manual loop: client DTLS and SCTP
/// association `a` on one end, server DTLS and `b` on the other.
private final class StackPair {
    static let clientCertificate = try! DTLSCertificate.generate()
    static let serverCertificate = try! DTLSCertificate.generate()

    let loop = ManualEventLoop()
    let link: MemoryLink
    let client: DTLSTransport
    let server: DTLSTransport
    let serverTap: LastSentTap
    let a: SCTPAssociation
    let b: SCTPAssociation

    init() throws {
        link = MemoryLink(loop: loop)
        client = try DTLSTransport(configuration: .init(
            loop: loop, role: .client, certificate: Self.clientCertificate,
            remoteFingerprints: [Self.serverCertificate.fingerprint]), lower: link.a)
        server = try DTLSTransport(configuration: .init(
            loop: loop, role: .server, certificate: Self.serverCertificate,
            remoteFingerprints: [Self.clientCertificate.fingerprint]), lower: link.b)
        serverTap = LastSentTap(server)
        a = SCTPAssociation(loop: loop, lower: client)
        b = SCTPAssociation(loop: loop, lower: serverTap)
        server.start()
        client.start()
        guard loop.advance(until: { self.client.state == .connected && self.server.state == .connected },
                           limit: .seconds(10))
        else { throw DTLSError.handshakeTimeout }
        try a.start()
        try b.start()
        guard loop.advance(until: { self.a.state == .connected && self.b.state == .connected }, limit: .seconds(30))
        else { throw DTLSError.handshakeTimeout }
        // Traffic both ways, so b has sent a packet whose header `a` accepts.
        try a.send(Array("ping".utf8), stream: 0, ppid: 51)
        try b.send(Array("pong".utf8), stream: 0, ppid: 51)
        loop.run()
    }

    var healthy: Bool {
        client.state == .connected && server.state == .connected && a.state == .connected && b.state == .connected
    }

    func tearDown() {
        a.abort()
        b.abort()
        loop.run()
    }
}

// Safe: libFuzzer calls the target from one thread, one input at a time.
nonisolated(unsafe) private var pair: StackPair?

/// DTLS and SCTP input through the stack: the first byte picks where the rest goes. 0: a
/// datagram from the wire into the client's DTLS; 1: a packet into association `a` as if DTLS
/// had decrypted it; 2: the same with the SCTP common header (ports, verification tag) of the
/// last packet `b` sent, so the chunks reach the association. Whatever the input, nothing may
/// trap; a pair the input ended (DTLS failure, ABORT) is replaced by a new one.
func fuzzDTLSSCTP(_ bytes: [UInt8]) {
    guard let mode = bytes.first else { return }
    if pair == nil { pair = try! StackPair() }
    let p = pair!
    var body = Array(bytes.dropFirst())
    switch mode % 3 {
    case 0: p.link.a.onReceive?(body)
    case 1: p.client.onReceive?(body)
    default:
        if body.count >= 12, p.serverTap.last.count >= 12 { body.replaceSubrange(0..<8, with: p.serverTap.last[0..<8]) }
        p.client.onReceive?(body)
    }
    p.loop.run()
    p.loop.advance(by: .milliseconds(50))
    if !p.healthy {
        p.tearDown()
        pair = nil
    }
}
#endif
