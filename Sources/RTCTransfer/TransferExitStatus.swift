import RTCSignaling

extension TransferPeerEnd {
    /// The exit status and the error line (if any).
    public var exit: (Int32, String?) {
        switch self {
        case let .ended(status, message): return (status, message)
        case let .failed(m): return (ExitStatus.failure.rawValue, m)
        case let .badInput(m): return (ExitStatus.dataError.rawValue, m)
        case let .unreachable(m): return (ExitStatus.unavailable.rawValue, m)
        case let .timedOut(m): return (ExitStatus.timeout.rawValue, m)
        }
    }
}

extension TransferError {
    /// A transfer that cannot start: an unreadable source is bad input (65), an output
    /// directory that cannot be made a failure (1).
    public var exitStatus: ExitStatus {
        switch self {
        case .cannotOpen, .isDirectory: .dataError
        case .cannotCreateDirectory: .failure
        }
    }
}
