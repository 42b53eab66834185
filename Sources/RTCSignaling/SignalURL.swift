import RTC

/// WHIP (RFC 9725: the client publishes) or WHEP (draft-ietf-wish-whep: the client plays).
public enum WHIPKind: String, Sendable {
    case whip = "WHIP", whep = "WHEP"
}

/// Where signaling runs: `stdio`, `tcp://HOST:PORT`, `tcp-listen://HOST:PORT` (aiortc
/// `TcpSocketSignaling` format), `ws://HOST:PORT/PATH`, `ws-listen://HOST:PORT`,
/// `whip+http(s)://…`, `whep+http(s)://…`, `whip-listen://HOST:PORT`, `whep-listen://HOST:PORT`.
/// `connect` and `serve` (SignalURL+Connect.swift) turn it into links.
public enum SignalURL: Equatable, Sendable {
    case stdio
    case tcp(host: String, port: UInt16)
    case tcpListen(host: String, port: UInt16)
    case ws(host: String, port: UInt16, path: String)
    case wsListen(host: String, port: UInt16)
    /// WHIP/WHEP client: `url` is the endpoint's http(s) URL (the `whip+`/`whep+` prefix removed).
    case whip(url: String, kind: WHIPKind)
    /// WHIP/WHEP endpoint served by `rtc answer`.
    case whipListen(host: String, port: UInt16, kind: WHIPKind)

    /// Parses a URL of one of the forms above; nil when it is none of them.
    public init?(_ argument: String) {
        if argument == "stdio" || argument == "-" {
            self = .stdio
            return
        }
        for kind in [WHIPKind.whip, .whep] {
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

    public var isStdio: Bool { self == .stdio }
    public var isListening: Bool {
        switch self {
        case .tcpListen, .wsListen, .whipListen: return true
        default: return false
        }
    }

    /// The role a WHIP/WHEP URL leaves us: its clients always offer, its endpoints answer.
    public var requiredRole: SDPType? {
        switch self {
        case .whip: return .offer
        case .whipListen: return .answer
        default: return nil
        }
    }

    /// Refuses a WHIP/WHEP URL on the side of the exchange it cannot serve.
    /// - Throws: `SignalingFailure` `.usage` naming the command to use.
    public func check(offering: Bool) throws {
        guard let role = requiredRole, (role == .offer) != offering else { return }
        throw SignalingFailure(.usage, role == .offer
            ? "a whip+/whep+ URL is a WHIP/WHEP endpoint to send our offer to: use it with the offering side (rtc offer)"
            : "whip-listen:// and whep-listen:// answer the offers WHIP/WHEP clients send: use them with the answering side (rtc answer)")
    }
}

