import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import RTC
import RTCSignaling

/// An error the CLI reports as one line on stderr, exiting with its status (`ExitStatus`, the
/// documented exit codes).
struct CLIError: Error, CustomStringConvertible {
    let status: ExitStatus
    let message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A signaling failure as the exit status the commands document.
    init(_ f: SignalingFailure) {
        self.init(f.exitStatus, f.message)
    }

    var description: String { message }

    /// Prints the message and exits; use from `run()` via `throw` or directly.
    func exit() -> Never {
        printError("rtc: " + message)
        Glibc.exit(status.rawValue)
    }
}

/// Writes one line to stderr.
func printError(_ line: String) {
    writeToStandardError(line + "\n")
}

/// Writes one diagnostic line to stderr, prefixed "rtc: " (the library runners' `log`).
let logError: @Sendable (String) -> Void = { printError("rtc: " + $0) }
