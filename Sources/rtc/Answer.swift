import ArgumentParser
import RTC

struct Answer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read an offer, print the answer, then chat over the offerer's data channel.",
        discussion: """
            Reads the offer line from stdin (or --remote FILE): JSON \
            ({"type":"offer","sdp":"..."}) or a --compact token. Prints the answer as one line, \
            connects, and from then on behaves like `rtc offer`: stdin lines out as messages, \
            received messages to stdout. With --id N both sides open a negotiated channel with \
            stream id N instead of waiting for the offerer's in-band one. With a listening --signal \
            (tcp-listen://, ws-listen://) it serves peers one after another, as described in \
            `rtc offer --help` (stdin shared, --count N, EOF or SIGINT/SIGTERM stops).
            """
    )

    @OptionGroup var peer: PeerOptions
    @OptionGroup var channel: ChannelOptions
    @OptionGroup var signaling: SignalOptions

    @Flag(help: "Print and read messages and events as JSON lines.")
    var json = false

    @Option(help: ArgumentHelp("With a listening --signal, exit after N sessions (0: serve until stopped).",
                               valueName: "N"))
    var count = 0

    func validate() throws {
        if count < 0 { throw ValidationError("--count must not be negative") }
    }

    func run() throws {
        if signaling.signal.isListening {
            let status = PeerServer(role: .answer, peer: peer, channel: channel, json: json,
                                    url: signaling.signal, count: count).run()
            if status != 0 { throw ExitCode(status) }
            return
        }
        let session = PeerSession(role: .answer, peer: peer, channel: channel, json: json)
        session.signalURL = signaling.signal
        let status = session.run()
        if status != 0 { throw ExitCode(status) }
    }
}
