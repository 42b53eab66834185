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

    init?(argument: String) {
        if argument == "stdio" || argument == "-" {
            self = .stdio
            return
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
        default: return nil
        }
    }

    var isStdio: Bool { self == .stdio }
    var isListening: Bool {
        switch self {
        case .tcpListen, .wsListen: return true
        default: return false
        }
    }
}

/// `--signal URL`, shared by offer, answer, send and listen.
struct SignalOptions: ParsableArguments {
    @Option(name: .customLong("signal"), help: ArgumentHelp(
        "Signaling transport: stdio (default), tcp://HOST:PORT, tcp-listen://HOST:PORT (aiortc TcpSocketSignaling "
            + "format), ws://HOST:PORT/PATH or ws-listen://HOST:PORT (WebSocket, JSON per text frame). Connecting "
            + "(tcp://, ws://) gives up after --connect-timeout: exit 124 when the server does not answer, 69 when it "
            + "refuses; SIGINT/SIGTERM meanwhile exit 130/143.",
        valueName: "URL"))
    var signal: SignalURL = .stdio

    @Option(name: .customLong("signal-timeout"), help: ArgumentHelp(
        "With a listening --signal: seconds a connection has to send a valid offer, from accept (when we "
            + "answer), or to answer ours, from when it is sent (when we offer); ws-listen's HTTP headers and "
            + "upgrade must also arrive within it, from accept. A connection that does not is dropped without taking a --count slot. At most "
            + "\(HandshakeGate.defaultMaxPending) connections wait in this handshake at once (a newcomer drops "
            + "the oldest).",
        valueName: "SECONDS"))
    var signalTimeout: Double = 10

    func validate() throws {
        if !(signalTimeout > 0) { throw ValidationError("--signal-timeout must be positive") }
    }

    /// How a listening --signal admits peers, for a command whose peer sends `expecting`.
    func serveOptions(expecting: SDPType, verbose: Bool) -> ServeOptions {
        ServeOptions(expecting: expecting, signalTimeout: signalTimeout, verbose: verbose)
    }
}
