import ArgumentParser
import RTC
import RTCSession
import RTCSignaling

/// ICE, DTLS and signaling options shared by every command that connects to a peer.
struct PeerOptions: ParsableArguments {
    @Option(name: .customLong("ice-host"), help: ArgumentHelp(
        "Gather host candidates only on this address (repeatable), e.g. 127.0.0.1 for loopback tests; "
            + "mDNS lookups of the peer's .local candidates use the same interfaces.",
        valueName: "ADDR"))
    var iceHosts: [String] = []

    @Option(name: .customLong("stun"), help: ArgumentHelp(
        "STUN server for server-reflexive candidates (repeatable). A whip-listen/whep-listen endpoint also offers it "
            + "to its clients (Link: <URL>; rel=\"ice-server\" on its OPTIONS and 201, RFC 9725 §4.6); given to a "
            + "WHIP/WHEP client, --stun/--turn replace the endpoint's servers.", valueName: "stun:HOST:PORT"))
    var stunServers: [String] = []

    @Option(name: .customLong("turn"), help: ArgumentHelp(
        "TURN server for relayed candidates (repeatable; UDP), with --turn-user and --turn-pass. A "
            + "whip-listen/whep-listen endpoint offers it to its clients with those credentials (Link header, "
            + "credential-type=\"password\"). The nominating side waits up to 300 ms for a direct pair before it "
            + "takes a relayed one (100 ms before a server-reflexive one).",
        valueName: "turn:HOST:PORT"))
    var turnServers: [String] = []

    @Option(name: .customLong("turn-user"), help: ArgumentHelp("Username for the --turn servers.", valueName: "USER"))
    var turnUser: String?

    @Option(name: .customLong("turn-pass"), help: ArgumentHelp("Password for the --turn servers.", valueName: "PASS"))
    var turnPass: String?

    @Flag(name: .customLong("relay-only"), help: "ICE transport policy relay: offer and use only TURN-relayed candidates.")
    var relayOnly = false

    @Flag(help: ArgumentHelp("Trickle candidates: print each as its own JSON line instead of waiting for all (at most 4 s; a "
                             + "WHIP/WHEP client PATCHes them, takes the endpoint's later ones from PATCH responses, and "
                             + "gathers at once on servers the endpoint's 201 or restart adds)."))
    var trickle = false

    @Option(help: ArgumentHelp("PEM certificate for a persistent DTLS identity (with --key).", valueName: "FILE"))
    var cert: String?

    @Option(help: ArgumentHelp("PEM private key of --cert.", valueName: "FILE"))
    var key: String?

    @Option(name: .customLong("consent-timeout"), help: ArgumentHelp(
        "Seconds without consent responses before the peer counts as gone (RFC 7675).", valueName: "SECONDS"))
    var consentTimeout: Double = 30

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp(
        "Seconds to wait for the channel to open before giving up (exit 124).", valueName: "SECONDS"))
    var connectTimeout: Double = 30

    @Flag(help: "Print our session description as one short token (base64url of deflated JSON).")
    var compact = false

    @Option(help: ArgumentHelp("Read the remote description from FILE instead of stdin.", valueName: "FILE"))
    var remote: String?

    @Option(name: .customLong("max-line"), help: ArgumentHelp(
        "Longest stdin line accepted, in bytes; a longer one ends the command with exit status 65.",
        valueName: "BYTES"))
    var maxLine = LineReader.defaultMaxLine

    @OptionGroup var impairment: ImpairmentOptions

    @Flag(name: [.short, .long],
          help: "Log connection progress to stderr (with RTC_LOG_TIME=1 each line starts with ms since start).")
    var verbose = false

    func validate() throws {
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        for h in iceHosts where TransportAddress(host: h, port: 0) == nil {
            throw ValidationError("--ice-host needs an IP address, got '\(h)'")
        }
        for s in stunServers where STUNServerURL.parse(s) == nil {
            throw ValidationError("--stun needs stun:HOST:PORT with an IP address, got '\(s)'")
        }
        for t in turnServers where TURNServerURL.parse(t) == nil {
            throw ValidationError("--turn needs turn:HOST:PORT with an IP address (UDP), got '\(t)'")
        }
        if !turnServers.isEmpty && (turnUser == nil || turnPass == nil) {
            throw ValidationError("--turn needs --turn-user and --turn-pass")
        }
        if relayOnly && turnServers.isEmpty { throw ValidationError("--relay-only needs a --turn server") }
        if consentTimeout <= 0 || connectTimeout <= 0 { throw ValidationError("timeouts must be positive") }
        if maxLine < 1 { throw ValidationError("--max-line must be positive") }
    }

    /// The peer connection configuration these options describe.
    func configuration() throws -> PeerConnection.Configuration {
        do {
            return try PeerConnection.Configuration(
                iceHosts: iceHosts, stunServers: stunServers, turnServers: turnServers, turnUsername: turnUser,
                turnPassword: turnPass, relayOnly: relayOnly, consentTimeout: consentTimeout,
                impairment: impairment.impairment, certificate: cert.flatMap { c in key.map { (c, $0) } })
        } catch {
            throw CLIError(.dataError, "cannot load --cert/--key: \(error)")
        }
    }
}

/// Options of the data channel a command opens.
struct ChannelOptions: ParsableArguments {
    @Option(help: "Label of the data channel to open.")
    var label = "chat"

    @Option(name: .customLong("protocol"), help: "Subprotocol name announced for the channel.")
    var subprotocol = ""

    @Option(help: ArgumentHelp(
        "Negotiate the channel out of band with this stream id (both peers must pass the same).",
        valueName: "N"))
    var id: UInt16?

    @Flag(help: "Deliver messages as they arrive instead of in order.")
    var unordered = false

    @Option(name: .customLong("max-retransmits"), help: ArgumentHelp(
        "Partial reliability: give up on a message after N retransmissions.", valueName: "N"))
    var maxRetransmits: UInt16?

    @Option(name: .customLong("max-packet-lifetime"), help: ArgumentHelp(
        "Partial reliability: give up on a message after MS milliseconds.", valueName: "MS"))
    var maxPacketLifetime: UInt16?

    @Option(name: .customLong("open"), help: ArgumentHelp(
        "Also open this channel (repeatable, offer and answer): LABEL[,unordered][,max-retransmits=N]"
            + "[,max-packet-lifetime=MS][,protocol=P][,id=N] (id=N: negotiated with that stream id).",
        valueName: "LABEL[,OPTION...]"))
    var openSpecs: [ChannelSpec] = []

    func validate() throws {
        if maxRetransmits != nil && maxPacketLifetime != nil {
            throw ValidationError("--max-retransmits and --max-packet-lifetime exclude each other")
        }
        if label.utf8.count > 65535 { throw ValidationError("--label is too long") }
        let ids = ([id] + openSpecs.map(\.options.id)).compactMap { $0 }
        if Set(ids).count != ids.count { throw ValidationError("two channels with the same id") }
    }

    /// The `--label` channel as a spec.
    var labelSpec: ChannelSpec { ChannelSpec(label: label, options: channelInit) }

    var channelInit: DataChannelInit {
        var i = DataChannelInit()
        i.ordered = !unordered
        i.maxRetransmits = maxRetransmits
        i.maxPacketLifeTime = maxPacketLifetime
        i.protocol = subprotocol
        if let id {
            i.negotiated = true
            i.id = id
        }
        return i
    }
}
