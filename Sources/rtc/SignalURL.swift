import RTC
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Where signaling runs (`--signal URL`).
enum SignalURL: Equatable, ExpressibleByArgument {
    case stdio
    case tcp(host: String, port: UInt16)
    case tcpListen(host: String, port: UInt16)
    case ws(host: String, port: UInt16, path: String)
    case wsListen(host: String, port: UInt16)
    /// WHIP/WHEP client: `url` is the endpoint's http(s) URL (the `whip+`/`whep+` prefix removed).
    case whip(url: String, kind: WHIPClientLink.Kind)
    /// WHIP/WHEP endpoint served by `rtc answer`.
    case whipListen(host: String, port: UInt16, kind: WHIPClientLink.Kind)

    init?(argument: String) {
        if argument == "stdio" || argument == "-" {
            self = .stdio
            return
        }
        for kind in [WHIPClientLink.Kind.whip, .whep] {
            let prefix = kind.rawValue.lowercased() + "+"
            for scheme in ["http://", "https://"] where argument.lowercased().hasPrefix(prefix + scheme) {
                let url = String(argument.dropFirst(prefix.count))
                // An authority is needed; the path is the endpoint's (RFC 9725 §4.2: any URL).
                let rest = url.dropFirst(scheme.count)
                guard let first = rest.first, first != "/", first != "?" else { return nil }
                self = .whip(url: url, kind: kind)
                return
            }
        }
        guard let schemeEnd = argument.firstRange(ofText: "://") else { return nil }
        let scheme = String(argument[..<schemeEnd.lowerBound])
        var rest = String(argument[schemeEnd.upperBound...])
        var path = "/"
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = String(rest[..<slash])
        }
        guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]) else {
            return nil
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        switch scheme {
        case "tcp": self = .tcp(host: host, port: port)
        case "tcp-listen": self = .tcpListen(host: host, port: port)
        case "ws": self = .ws(host: host, port: port, path: path)
        case "ws-listen": self = .wsListen(host: host, port: port)
        case "whip-listen": self = .whipListen(host: host, port: port, kind: .whip)
        case "whep-listen": self = .whipListen(host: host, port: port, kind: .whep)
        default: return nil
        }
    }

    var isStdio: Bool { self == .stdio }
    var isListening: Bool {
        switch self {
        case .tcpListen, .wsListen, .whipListen: return true
        default: return false
        }
    }

    /// The role a WHIP/WHEP URL leaves us: its clients always offer, its endpoints answer.
    var requiredRole: SDPType? {
        switch self {
        case .whip: return .offer
        case .whipListen: return .answer
        default: return nil
        }
    }

    /// Refuses a WHIP/WHEP URL on the side of the exchange it cannot serve.
    /// - Throws: `CLIError` 64 naming the command to use.
    func check(offering: Bool) throws {
        guard let role = requiredRole, (role == .offer) != offering else { return }
        throw CLIError(.usage, role == .offer
            ? "a whip+/whep+ URL is a WHIP/WHEP endpoint to send our offer to: use it with the offering side (rtc offer)"
            : "whip-listen:// and whep-listen:// answer the offers WHIP/WHEP clients send: use them with the answering side (rtc answer)")
    }
}

/// `--signal URL`, shared by offer, answer, send and listen.
struct SignalOptions: ParsableArguments {
    @Option(name: .customLong("signal"), help: ArgumentHelp(
        "Signaling transport: stdio (default), tcp://HOST:PORT, tcp-listen://HOST:PORT (aiortc TcpSocketSignaling "
            + "format), ws://HOST:PORT/PATH or ws-listen://HOST:PORT (WebSocket, JSON per text frame), "
            + "whip+http(s)://HOST[:PORT]/PATH or whep+http(s)://... (rtc offer publishes/plays at a WHIP/WHEP "
            + "endpoint, RFC 9725), whip-listen://HOST:PORT or whep-listen://HOST:PORT (rtc answer is one). Connecting "
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

    /// How a listening --signal admits peers, for a command whose peer sends `expecting`.
    func serveOptions(expecting: SDPType, verbose: Bool) -> ServeOptions {
        ServeOptions(expecting: expecting, signalTimeout: signalTimeout, verbose: verbose, token: token)
    }

    /// What a WHIP/WHEP client needs besides the URL.
    var http: HTTPSignalSettings { HTTPSignalSettings(token: token, signalTimeout: signalTimeout) }
}

/// `--token` and `--signal-timeout`, for WHIP/WHEP clients.
struct HTTPSignalSettings {
    var token: String?
    var signalTimeout: Double = 10
}
