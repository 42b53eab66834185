import RTC

extension PeerConnection.Configuration {
    /// A configuration from textual settings (`rtc`'s options), the rest defaults.
    /// - Parameters:
    ///   - iceHosts: IP literals to gather host candidates on (empty: every interface).
    ///   - stunServers: `stun:` URLs (`STUNServerURL`); `turnServers`: `turn:` URLs
    ///     (`TURNServerURL`), all with `turnUsername`/`turnPassword`. Entries that do not parse
    ///     are left out: check them with those parsers first to report them.
    ///   - consentTimeout: seconds without consent responses before the peer counts as gone (RFC 7675).
    ///   - certificate: PEM certificate and key files of a persistent DTLS identity.
    /// - Throws: the certificate loader's error when those files cannot be loaded.
    public init(iceHosts: [String], stunServers: [String] = [], turnServers: [String] = [],
                turnUsername: String? = nil, turnPassword: String? = nil, relayOnly: Bool = false,
                consentTimeout: Double = 30, impairment: ImpairedTransport.Impairment? = nil,
                certificate: (file: String, key: String)? = nil) throws {
        self.init()
        if !iceHosts.isEmpty { self.iceHosts = iceHosts.compactMap { TransportAddress(host: $0, port: 0) } }
        self.stunServers = stunServers.compactMap { STUNServerURL.parse($0) }
        self.turnServers = turnServers.compactMap { TURNServerURL.parse($0) }.map {
            ICEAgent.TURNServer(address: $0, username: turnUsername ?? "", password: turnPassword ?? "")
        }
        self.relayOnly = relayOnly
        self.consentTimeout = .milliseconds(Int64(consentTimeout * 1000))
        self.impairment = impairment
        if let certificate {
            self.certificate = try DTLSCertificate(certificateFile: certificate.file, keyFile: certificate.key)
        }
    }
}
