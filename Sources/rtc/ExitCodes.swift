import ArgumentParser
import RTCSignaling

/// The documented exit codes, in one place (sysexits where it has one).
enum ExitStatus: Int32 {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case unavailable = 69
    case timeout = 124
    /// Ended by SIGINT (128 + 2), as shells report it.
    case interrupted = 130
    /// Ended by SIGTERM (128 + 15).
    case terminated = 143
}

/// An error the CLI reports as one line on stderr, exiting with its status.
struct CLIError: Error, CustomStringConvertible {
    let status: ExitStatus
    let message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }
}

extension CLIError {
    /// Prints the message and exits; use from `run()` via `throw` or directly.
    func exit() -> Never {
        printError("rtc: " + message)
        Glibc.exit(status.rawValue)
    }
}

import RTC
#if canImport(Glibc)
import Glibc
#endif

/// Writes one line to stderr.
func printError(_ line: String) {
    writeToStandardError(line + "\n")
}

extension CLIError {
    /// A signaling failure as the exit status the commands document.
    init(_ f: SignalingFailure) {
        let status: ExitStatus = switch f.kind {
        case .usage: .usage
        case .badInput: .dataError
        case .unreachable: .unavailable
        case .timeout: .timeout
        case let .interrupted(signal): signal == SIGINT ? .interrupted : .terminated
        case .failure: .failure
        }
        self.init(status, f.message)
    }
}
