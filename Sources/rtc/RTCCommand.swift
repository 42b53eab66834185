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

    /// Pins the log clock (RTC_LOG_TIME) to process start, and starts the stack's one-time set-up
    /// on a second thread, before argument parsing.
    static func main() {
        Log.markStart()
        // First, on this thread: OpenSSL must be initialized without its atexit clean-up before
        // any thread uses it, or exit could free what the loop thread still holds.
        Libraries.initOpenSSL()
        if let command = CommandLine.arguments.dropFirst().first, peerCommands.contains(command) {
            PeerConnectionStartup.begin()
        }
        main(nil)
    }

    /// The subcommands that make a PeerConnection (sdp-parse and stun-probe do not).
    private static let peerCommands: Set<String> = ["offer", "answer", "send", "listen", "bench"]
}

let rtcVersion = "0.1.0"
