#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling

/// SIGINT/SIGTERM as something a blocking wait can watch: a self-pipe that becomes readable
/// (for `poll`) and callbacks (for condition waits), so connecting and other waits outside the
/// event loop end at once with the signal's exit status (130/143).
///
/// It adds its own dispatch sources beside the commands' handlers (libdispatch delivers a
/// signal to every source for it), so those keep doing their part of the shutdown.
// @unchecked Sendable: `sources` is written only in `init`; the rest is the (Sendable) cancellation.
final class Interruption: @unchecked Sendable {
    static let shared = Interruption()

    /// The self-pipe and observers live in the library's cancellation, which the CLI fires on
    /// SIGINT/SIGTERM; it also cancels the library's signaling waits (connect, WHIP replies).
    let cancellation = SignalingCancellation()
    private var sources: [DispatchSourceSignal] = []

    /// Readable once a signal has arrived.
    var fd: Int32 { cancellation.fd }

    private init() {
        // libdispatch reads signals through a signalfd, which sees only signals that are blocked
        // in every thread: an ignored signal that some thread does not block is discarded at
        // once (an idle listening server ignored SIGTERM). Blocked here on the main thread,
        // before the command starts its threads, so every thread inherits the mask.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGINT)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, nil)
        for sig in [SIGINT, SIGTERM] {
            Glibc.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in fire(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Installs the handlers now (before a wait starts, so no signal slips by).
    func arm() {}

    /// The exit status of the signal received (130 SIGINT, 143 SIGTERM), if any.
    var status: ExitStatus? {
        cancellation.signal.map { $0 == SIGINT ? .interrupted : .terminated }
    }

    /// Runs `body` when a signal arrives (now, if one already has).
    func observe(_ body: @escaping @Sendable () -> Void) {
        cancellation.observe(body)
    }

    private func fire(_ sig: Int32) {
        cancellation.cancel(signal: sig)
    }

    /// The CLI error for a wait that a signal ended.
    func error(_ what: String) -> CLIError {
        CLIError(status ?? .terminated, "interrupted while \(what)")
    }
}
