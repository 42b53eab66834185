#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC

/// Waits on the main thread for a session's exit status.
final class ExitLatch: @unchecked Sendable {
    private let condition = Condition()
    private var status: Int32?

    /// Records the first status (and prints its message); later calls are ignored.
    func finish(_ s: Int32, _ message: String?) {
        condition.lock()
        defer { condition.unlock() }
        guard status == nil else { return }
        status = s
        if let message { printError("rtc: " + message) }
        condition.broadcast()
    }

    var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return status != nil
    }

    func wait() -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        while status == nil { condition.wait() }
        return status!
    }
}

/// SIGINT/SIGTERM call `body` on a global queue (the default action is replaced).
final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []

    init(_ body: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { body(sig) }
            source.resume()
            sources.append(source)
        }
    }
}
