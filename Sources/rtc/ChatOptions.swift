import ArgumentParser
import RTC
import RTCSession
import RTCSignaling

/// Everything `offer` and `answer` share: connection, channel, signaling and output options.
struct ChatOptions: ParsableArguments {
    @OptionGroup var peer: PeerOptions
    @OptionGroup var channel: ChannelOptions
    @OptionGroup var signaling: SignalOptions
    @OptionGroup(title: "Media") var media: MediaOptions

    @Flag(help: "Print and read messages and events as JSON lines.")
    var json = false

    @Option(help: ArgumentHelp("With a listening --signal, exit after N sessions (0: serve until stopped).",
                               valueName: "N"))
    var count = 0

    func validate() throws {
        if count < 0 { throw ValidationError("--count must not be negative") }
    }

    /// Runs the chat session (or, with a listening --signal, one session after another) and
    /// exits with its status.
    func run(as role: SessionConfiguration.Role) throws {
        Interruption.shared.arm() // before any wait, so no SIGINT/SIGTERM slips past one
        do { try signaling.signal.check(offering: role == .offer) } catch let e as SignalingFailure { CLIError(e).exit() }
        var peer = peer
        // A WHIP/WHEP endpoint's answer carries every candidate (RFC 9725 §4.3.2), unless the
        // client asked for later ones in PATCH responses (WHIPServerLink.trickleToPeer): the
        // client decides, per session, not --trickle. Its candidates arrive by PATCH either way.
        if case .whipListen = signaling.signal { peer.trickle = false }
        if peer.verbose { Log.level = .debug }
        var pc: PeerConnection.Configuration
        do {
            pc = try peer.configuration()
            pc.dataChannel = !media.noDataChannel
        } catch let e as CLIError {
            e.exit()
        } catch {
            CLIError(.failure, "\(error)").exit()
        }
        let out = StdoutWriter()
        let chat = SessionConsole(json: json, out: out, maxLine: peer.maxLine, log: logError,
                                  badInput: { CLIError(.dataError, $0).exit() })
        var configuration = SessionConfiguration(
            role: role, peerConnection: pc, signal: signaling.signal,
            connect: SignalingConnector.connectOptions(out: out, peer: peer, http: signaling.http),
            // The offerer opens --label (with --id both sides open that negotiated one), and
            // either side every --open channel.
            channels: (role == .offer || channel.id != nil ? [channel.labelSpec] : []) + channel.openSpecs,
            trickle: peer.trickle, connectTimeout: peer.connectTimeout, remoteFile: peer.remote,
            compact: peer.compact, verbose: peer.verbose)
        media.apply(to: &configuration)
        let status: Int32
        if signaling.signal.isListening {
            var options = signaling.serveOptions(expecting: role == .offer ? .answer : .offer, verbose: peer.verbose)
            // A WHIP/WHEP endpoint offers its own STUN/TURN servers to clients (RFC 9725 §4.6).
            options.iceServers = ICEServerLink.configured(stun: peer.stunServers, turn: peer.turnServers,
                                                          turnUsername: peer.turnUser, turnPassword: peer.turnPass)
            let server = SessionServer(url: signaling.signal, options: options, count: count) { [configuration] _ in
                let session = PeerSession(configuration)
                chat.attach(session)
                return session
            }
            status = chat.serve(server, verbose: peer.verbose)
        } else {
            status = chat.runAlone(PeerSession(configuration))
        }
        if status != 0 { throw ExitCode(status) }
    }
}

extension ChannelSpec: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
