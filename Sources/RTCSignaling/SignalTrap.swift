#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// SIGINT/SIGTERM call `body` on a global queue (the default action is replaced) while this lives.
public final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []

    public init(_ body: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { body(sig) }
            source.resume()
            sources.append(source)
        }
    }
}
