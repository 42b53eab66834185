import ArgumentParser
import RTC
import RTCSignaling

extension SignalURL: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--signal URL`, shared by offer, answer, send and listen.
struct SignalOptions: ParsableArguments {
    @Option(name: .customLong("signal"), help: ArgumentHelp(
        "Signaling transport: stdio (default), tcp://HOST:PORT, tcp-listen://HOST:PORT (aiortc TcpSocketSignaling "
            + "format), ws://HOST:PORT/PATH or ws-listen://HOST:PORT (WebSocket, JSON per text frame), "
            + "whip+http(s)://HOST[:PORT]/PATH or whep+http(s)://... (rtc offer publishes/plays at a WHIP/WHEP "
            + "endpoint, RFC 9725; without --stun/--turn it uses the endpoint's Link rel=\"ice-server\" servers: "
            + "those of an OPTIONS before the offer, and those the 201 or a restart's 200 adds or names with new "
            + "credentials, gathered on at once with --trickle or else at the next ICE restart), whip-listen://HOST:PORT or whep-listen://HOST:PORT (rtc answer is one, "
            + "offering its --stun/--turn servers as Link headers). A listening URL with port 0 binds a free port; "
            + "once bound, stderr says 'rtc: listening on URL' (the URL peers connect to, with the port). Connecting "
            + "(tcp://, ws://) gives up after --connect-timeout: exit 124 when the server does not answer, 69 when it "
            + "refuses; SIGINT/SIGTERM meanwhile exit 130/143. WHIP/WHEP: a 4xx (or a 201 without answer or "
            + "Location) exits 65, no connection, a 5xx or a reply that is not HTTP 69, no reply within "
            + "--signal-timeout 124.",
        valueName: "URL"))
    var signal: SignalURL = .stdio

    @Option(name: .customLong("signal-timeout"), help: ArgumentHelp(
        "With a listening --signal: seconds a connection has to send a valid offer, from accept (when we "
            + "answer), or to answer ours, from when it is sent (when we offer); ws-listen's HTTP headers and "
            + "upgrade must also arrive within it, from accept. A connection that does not is dropped without taking a --count slot. At most "
            + "\(HandshakeGate.defaultMaxPending) connections wait in this handshake at once (a newcomer drops "
            + "the oldest). A WHIP/WHEP client waits this long for each HTTP reply (the 201 to its offer); "
            + "whip-listen gives a request this long to arrive.",
        valueName: "SECONDS"))
    var signalTimeout: Double = 10

    @Option(help: ArgumentHelp(
        "WHIP/WHEP: the bearer token (RFC 6750) we send as Authorization: Bearer TOKEN on every request "
            + "(POST, PATCH, DELETE), or, with whip-listen/whep-listen, the one every request must carry "
            + "(401 otherwise).",
        valueName: "TOKEN"))
    var token: String?

    func validate() throws {
        if !(signalTimeout > 0) { throw ValidationError("--signal-timeout must be positive") }
        if let token, token.isEmpty || token.utf8.contains(where: { $0 < 0x21 || $0 > 0x7E }) {
            // RFC 6750 §2.1 b64token: visible ASCII, no spaces (nor CR/LF, which would split headers).
            throw ValidationError("--token must be visible ASCII without spaces")
        }
        if token != nil && signal.requiredRole == nil {
            throw ValidationError("--token is for WHIP/WHEP signaling (whip+http(s)://, whep+http(s)://, whip-listen://, whep-listen://)")
        }
    }

    /// How a listening --signal admits peers, for a command whose peer sends `expecting`; `page`
    /// is the transfer page's mode on ws-listen's `/`.
    func serveOptions(expecting: SDPType, verbose: Bool, page: String = "listen") -> ServeOptions {
        SignalingConnector.serveOptions(expecting: expecting, signalTimeout: signalTimeout, verbose: verbose,
                                        token: token, page: page)
    }

    /// Connects the single session's --signal (stdio, tcp://, ws://, whip+http(s)://).
    /// - Throws: `CLIError`: 69 when the peer cannot be reached, 124 when it does not answer
    ///   within `--connect-timeout`, 130/143 when SIGINT/SIGTERM arrives meanwhile.
    func connect(out: StdoutWriter, peer: PeerOptions) throws -> SignalingLink {
        let options = SignalingConnector.connectOptions(out: out, peer: peer, http: http)
        do { return try signal.connect(options) } catch let e as SignalingFailure { throw CLIError(e) }
    }

    /// What a WHIP/WHEP client needs besides the URL.
    var http: HTTPSignalSettings { HTTPSignalSettings(token: token, signalTimeout: signalTimeout) }
}

/// `--token` and `--signal-timeout`, for WHIP/WHEP clients.
struct HTTPSignalSettings {
    var token: String?
    var signalTimeout: Double = 10
}
