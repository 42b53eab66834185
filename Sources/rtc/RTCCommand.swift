import ArgumentParser
import RTC

@main
struct RTCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtc",
        abstract: "A WebRTC toolkit for the shell: data channels, SDP, STUN and benchmarks as JSON pipes.",
        discussion: """
            Every subcommand writes newline-delimited JSON (or raw data) to stdout and logs, \
            progress and errors to stderr.

            Exit codes: 0 success, 1 connection or runtime failure, 64 usage error, \
            65 bad input data (malformed SDP or JSON), 69 peer or server unreachable, 124 timeout.
            """,
        version: rtcVersion,
        // Each subcommand sets `commandName`: the default, String(describing:) of the type,
        // costs runtime conformance scans for every subcommand at every start (issue 12).
        subcommands: [Offer.self, Answer.self, Send.self, Listen.self, SdpParse.self, StunProbe.self, Bench.self]
    )

    /// Pins the log clock (RTC_LOG_TIME) to process start, before argument parsing.
    static func main() {
        Log.markStart()
        Libraries.initOpenSSL()
        main(nil)
    }
}

let rtcVersion = "0.1.0"
