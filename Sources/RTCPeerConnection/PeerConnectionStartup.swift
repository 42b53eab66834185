import RTCCore
import RTCDTLS
import RTCSCTP

/// The once-per-process work every first `PeerConnection` waits for: OpenSSL's first context
/// (its cipher and group fetches, ~1 ms), usrsctp's set-up (~0.5 ms) and a certificate. `begin()` starts it on a thread of its own, so a command line tool can
/// run it beside its argument parsing instead of on the way to its offer (issue 12: process
/// start to channel open).
///
/// Without `begin()` nothing changes: a `PeerConnection` makes its certificate itself.
public enum PeerConnectionStartup {
    private static let condition = Condition()
    // Guarded by `condition`.
    nonisolated(unsafe) private static var started = false
    nonisolated(unsafe) private static var finished = false
    nonisolated(unsafe) private static var certificate: DTLSCertificate?
    nonisolated(unsafe) private static var warmedUp = false

    /// Starts the set-up on a background thread; later calls do nothing.
    public static func begin() {
        let first = condition.withLock { () -> Bool in
            defer { started = true }
            return !started
        }
        guard first else { return }
        startThread(name: "rtc-startup") {
            Libraries.initOpenSSL()  // a no-op when the caller did it first, as it should
            let made = try? DTLSCertificate.generate()
            if let made { warmUp(certificate: made) }
            condition.withLock {
                certificate = made
                finished = true
                condition.broadcast()
            }
        }
    }

    /// OpenSSL's first DTLS context (its fetch cache then serves every later one, from any
    /// thread) and usrsctp's set-up, once per process: later calls, from `begin()`'s thread or
    /// any PeerConnection's loop, return at once.
    static func warmUp(certificate: DTLSCertificate) {
        let first = condition.withLock { () -> Bool in
            defer { warmedUp = true }
            return !warmedUp
        }
        guard first else { return }
        DTLSTransport.warmUp(certificate: certificate)
        SCTPLibrary.ensureInitialized()
    }

    /// The certificate `begin()` made, once (each connection gets its own, RFC 8827 §6.5): waits
    /// for the set-up thread when it is still running. Nil without `begin()`, after the first
    /// call, or when generation failed (the caller then generates one and reports the error).
    static func takeCertificate() -> DTLSCertificate? {
        condition.withLock {
            guard started else { return nil }
            while !finished { condition.wait() }
            defer { certificate = nil }
            return certificate
        }
    }
}
