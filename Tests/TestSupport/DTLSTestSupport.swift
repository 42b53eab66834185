import RTCCore
import RTCDTLS

/// Records what a layer sends down, passing it on to the real lower transport.
package final class DTLSTapTransport: PacketTransport {
    let inner: PacketTransport
    private(set) package var sent: [[UInt8]] = []
    /// Datagrams for which this returns true are recorded but not passed on.
    package var drop: (([UInt8]) -> Bool)?
    private(set) package var dropped = 0

    init(_ inner: PacketTransport) { self.inner = inner }

    package var onReceive: (([UInt8]) -> Void)? {
        get { inner.onReceive }
        set { inner.onReceive = newValue }
    }

    @discardableResult
    package func send(_ packet: [UInt8]) -> Bool {
        sent.append(packet)
        if let drop, drop(packet) {
            dropped += 1
            return true
        }
        return inner.send(packet)
    }
}

/// Two DTLS transports over one `MemoryLink`, with everything they report collected.
package final class DTLSPair {
    package let link: MemoryLink
    package let clientCertificate: DTLSCertificate
    package let serverCertificate: DTLSCertificate
    package let clientTap: DTLSTapTransport
    package let serverTap: DTLSTapTransport
    package let client: DTLSTransport
    package let server: DTLSTransport
    package var clientReceived: [[UInt8]] = []
    package var serverReceived: [[UInt8]] = []
    package var clientStates: [DTLSTransportState] = []
    package var serverStates: [DTLSTransportState] = []

    /// - Parameters:
    ///   - clientExpects/serverExpects: override the fingerprint each side expects of its peer.
    ///   - adjust: edits both configurations (role-specific edits can look at `role`).
    package init(loop: EventLoop, seed: UInt64 = 1,
         clientExpects: [DTLSFingerprint]? = nil, serverExpects: [DTLSFingerprint]? = nil,
         adjust: (inout DTLSTransport.Configuration) -> Void = { _ in }) throws {
        link = MemoryLink(loop: loop, seed: seed)
        clientCertificate = try DTLSCertificate.generate()
        serverCertificate = try DTLSCertificate.generate()
        clientTap = DTLSTapTransport(link.a)
        serverTap = DTLSTapTransport(link.b)
        var clientConfig = DTLSTransport.Configuration(
            loop: loop, role: .client, certificate: clientCertificate,
            remoteFingerprints: clientExpects ?? [serverCertificate.fingerprint])
        var serverConfig = DTLSTransport.Configuration(
            loop: loop, role: .server, certificate: serverCertificate,
            remoteFingerprints: serverExpects ?? [clientCertificate.fingerprint])
        adjust(&clientConfig)
        adjust(&serverConfig)
        client = try DTLSTransport(configuration: clientConfig, lower: clientTap)
        server = try DTLSTransport(configuration: serverConfig, lower: serverTap)
        client.onReceive = { [unowned self] in self.clientReceived.append($0) }
        server.onReceive = { [unowned self] in self.serverReceived.append($0) }
        client.onStateChange = { [unowned self] in self.clientStates.append($0) }
        server.onStateChange = { [unowned self] in self.serverStates.append($0) }
    }

    package func start() {
        server.start()
        client.start()
    }

    package var bothConnected: Bool { client.state == .connected && server.state == .connected }
    var bothTerminal: Bool { client.state.isTerminal && server.state.isTerminal }
}

extension DTLSTransportState {
    package var isFailed: Bool {
        if case .failed = self { return true }
        return false
    }

    package var failure: DTLSError? {
        if case let .failed(error) = self { return error }
        return nil
    }
}
