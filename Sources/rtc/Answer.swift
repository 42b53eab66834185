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

    @OptionGroup var options: ChatOptions

    func run() throws { try options.run(as: .answer) }
}
