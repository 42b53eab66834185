import ArgumentParser
import RTC

struct Answer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Read an offer, print the answer, then chat over the data channels either side opens.",
        discussion: """
            Reads the offer line from stdin (or --remote FILE): JSON \
            ({"type":"offer","sdp":"..."}) or a --compact token. Prints the answer as one line, \
            connects, and from then on behaves like `rtc offer`: stdin lines out as messages, \
            received messages to stdout. It opens no channel of its own unless told: --open \
            LABEL (repeatable) opens channels once the connection is up (Janus TextRoom expects \
            that of the answerer), and with --id N both sides open a negotiated channel with \
            stream id N. Without either it waits (at most --connect-timeout) for the offerer's \
            channels. Several channels, --json events and input routing are described in \
            `rtc offer --help`. With a listening --signal \
            (tcp-listen://, ws-listen://) it serves peers one after another, as described in \
            `rtc offer --help` (stdin shared, --count N, EOF or SIGINT/SIGTERM stops). With \
            --signal whip-listen://HOST:PORT (or whep-listen://) it is a WHIP/WHEP endpoint: a POST \
            of an application/sdp offer on any path gets 201 with the answer, Location \
            /resource/ID and an ETag; PATCH there adds trickled candidates (or, with new ICE \
            credentials, restarts ICE: 200 with ours and a new ETag), DELETE ends the \
            session (exit 0); CORS is open for browser pages; --token requires a bearer token. \
            The answer waits for all our candidates, unless the client's POST accepts \
            application/trickle-ice-sdpfrag (rtc offer --trickle does): then it comes at once \
            and later candidates go in 200 responses to the client's PATCHes (204 once it has \
            them all); --trickle is ignored there: each client decides.
            """
    )

    @OptionGroup var options: ChatOptions

    func run() throws { try options.run(as: .answer) }
}
