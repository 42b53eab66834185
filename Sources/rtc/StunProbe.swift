import FoundationEssentials
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import RTC
import RTCNATProbe

/// `rtc stun-probe`: RFC 5780 NAT behaviour discovery against a STUN server, one JSON object out.
struct StunProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stun-probe",
        abstract: "Discover the NAT in front of this host (RFC 5780) and print it as one JSON object.",
        discussion: """
            Runs the mapping tests (I, II, III), filtering tests (II, III) and hairpinning against \
            a STUN server and prints the local and mapped addresses, round-trip time, mapping and \
            filtering behaviour, the classic NAT name (open-internet, full-cone, restricted-cone, \
            port-restricted-cone, symmetric, symmetric-udp-firewall, udp-blocked, or unknown) and \
            each test's outcome. Tests past the first need a server with OTHER-ADDRESS and \
            CHANGE-REQUEST (coturn with two listening IPs); without them they are listed as \
            impossible and the behaviours are null.

            There is no built-in server: pass --server or set RTC_STUN_SERVER \
            (e.g. RTC_STUN_SERVER=stun:192.0.2.10:3478). Several servers are tried in order until \
            one gives a mapped address.

            Only what verifies is believed: a response with a wrong FINGERPRINT (or, with \
            --username/--password, a missing or wrong MESSAGE-INTEGRITY) is discarded as if never \
            received; an OTHER-ADDRESS that is unspecified, port 0, multicast or not distinct from \
            the server makes the tests needing it impossible; a 300 Try Alternate is followed to \
            its ALTERNATE-SERVER once.

            Exit 0 with a mapped address; 69 when no server answers within --timeout, or it \
            answers with an error response (code and reason in "error" and on stderr); 65 when \
            responses came but none verified or none carried a usable mapped address.
            """
    )

    static let environmentVariable = "RTC_STUN_SERVER"

    @Option(name: .customLong("server"), help: ArgumentHelp(
        "STUN server to probe (repeatable); default from $RTC_STUN_SERVER.", valueName: "stun:HOST[:PORT]"))
    var servers: [String] = []

    @Option(help: ArgumentHelp(
        "Seconds each test waits for a response (the server counts as unreachable after this).",
        valueName: "S"))
    var timeout: Double = 3

    @Option(help: ArgumentHelp(
        "Local address to bind, IP or IP:PORT; default the source address routed toward the server.",
        valueName: "ADDR"))
    var local: String?

    @Option(help: ArgumentHelp(
        "Short-term credential username (RFC 8489 §9.1); needs --password.", valueName: "NAME"))
    var username: String?

    @Option(help: ArgumentHelp(
        "Short-term credential password: requests are signed with it and unsigned responses discarded.",
        valueName: "PASSWORD"))
    var password: String?

    @Flag(name: .customLong("no-hairpinning"), help: "Skip the hairpinning test.")
    var noHairpinning = false

    @Flag(name: [.short, .long], help: "Log STUN progress to stderr.")
    var verbose = false

    func validate() throws {
        if !(timeout > 0) { throw ValidationError("--timeout must be positive") }
        for s in servers where STUNServerURL.parse(s) == nil {
            throw ValidationError("--server needs stun:HOST[:PORT] with an IP address, got '\(s)'")
        }
        if (username == nil) != (password == nil) {
            throw ValidationError("--username and --password go together")
        }
        if let local, Self.parseLocal(local) == nil {
            throw ValidationError("--local needs an IP address or IP:PORT, got '\(local)'")
        }
    }

    static func parseLocal(_ s: String) -> TransportAddress? {
        TransportAddress(s) ?? TransportAddress(host: s, port: 0)
    }

    /// Servers from the options, else from the environment (comma or space separated).
    func serverAddresses() throws -> [TransportAddress] {
        var urls = servers
        if urls.isEmpty, let env = ProcessInfo.processInfo.environment[Self.environmentVariable] {
            urls = env.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
            for u in urls where STUNServerURL.parse(u) == nil {
                throw CLIError(.usage, "\(Self.environmentVariable) needs stun:HOST[:PORT] with an IP address, got '\(u)'")
            }
        }
        guard !urls.isEmpty else {
            throw CLIError(.usage, """
                no STUN server given and there is no built-in one: pass --server stun:HOST[:PORT] \
                or set \(Self.environmentVariable), e.g. rtc stun-probe --server stun:127.0.0.1:3478
                """)
        }
        return urls.compactMap(STUNServerURL.parse)
    }

    func run() throws {
        if verbose { Log.level = .debug }
        let addresses: [TransportAddress]
        do {
            addresses = try serverAddresses()
        } catch let e as CLIError {
            e.exit()
        }
        var last: NATBehaviorResult?
        for server in addresses {
            let result: NATBehaviorResult
            do {
                result = try probe(server)
            } catch let e as CLIError {
                e.exit()
            }
            last = result
            if result.mapped != nil { break }
        }
        guard let result = last else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(result)
        writeToStandardOutput(String(decoding: data, as: UTF8.self) + "\n")
        if let failure = Self.failure(of: result, servers: addresses, timeout: timeout) { failure.exit() }
    }

    /// The exit status and message when the (last) server gave no mapped address.
    static func failure(of result: NATBehaviorResult, servers: [TransportAddress], timeout: Double) -> CLIError? {
        switch result.probeFailure {
        case nil: return nil
        case let .errorResponse(message)?: return CLIError(.unavailable, message)
        case let .invalid(message)?: return CLIError(.dataError, message)
        case .noResponse?:
            return CLIError(.unavailable, "no STUN response from \(servers.map(\.description).joined(separator: ", ")) "
                + "within \(timeout) s")
        }
    }

    /// Runs the discovery against one server; blocks until done.
    private func probe(_ server: TransportAddress) throws -> NATBehaviorResult {
        let config = NATBehaviorDiscovery.Configuration(
            testTimeout: .milliseconds(Int64(timeout * 1000)), hairpinning: !noHairpinning,
            username: username, password: password)
        do {
            return try NATProbe.run(server: server, local: local.flatMap(Self.parseLocal), configuration: config)
        } catch let e as NATProbeError {
            switch e {
            case .noRoute: throw CLIError(.unavailable, e.description)
            case .familyMismatch: throw CLIError(.usage, e.description)
            case .cannotBind: throw CLIError(.failure, e.description)
            }
        }
    }
}
