#if canImport(Glibc)
import Glibc
#endif

/// The exit statuses the `rtc` commands document (sysexits where it has one). The runners in
/// `RTCSession` and `RTCTransfer` report their outcome as one of these, so a program built on
/// them exits as `rtc` does.
public enum ExitStatus: Int32, Sendable {
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

    /// 130 for SIGINT, 143 for any other signal (SIGTERM).
    public init(signal: Int32) {
        self = signal == SIGINT ? .interrupted : .terminated
    }
}

extension SignalingFailure {
    /// The exit status this failure ends a command with.
    public var exitStatus: ExitStatus {
        switch kind {
        case .usage: .usage
        case .badInput: .dataError
        case .unreachable: .unavailable
        case .timeout: .timeout
        case let .interrupted(signal): ExitStatus(signal: signal)
        case .failure: .failure
        }
    }
}
