import RTC

/// Waits (on the thread that runs a command) for a session's exit status.
// @unchecked Sendable: `status` is read and written only under `condition`'s lock.
public final class ExitLatch: @unchecked Sendable {
    private let condition = Condition()
    private var status: Int32?
    private let report: @Sendable (String) -> Void

    /// `report` gets the message of the status that counts (an error line).
    public init(report: @escaping @Sendable (String) -> Void = { _ in }) {
        self.report = report
    }

    /// Records the first status (and reports its message); later calls are ignored.
    public func finish(_ s: Int32, _ message: String?) {
        condition.lock()
        defer { condition.unlock() }
        guard status == nil else { return }
        status = s
        if let message { report(message) }
        condition.broadcast()
    }

    public var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return status != nil
    }

    public func wait() -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        while status == nil { condition.wait() }
        return status!
    }
}
