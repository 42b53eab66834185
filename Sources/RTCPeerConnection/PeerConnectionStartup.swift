import RTCCore
import RTCDTLS
import RTCICE
import RTCSCTP

/// The once-per-process work of a first `PeerConnection`: a certificate and its OpenSSL context,
/// then the first STUN check's HMAC (OpenSSL's first fetch of it, ~1 ms) and usrsctp's set-up
/// (~0.5 ms). `begin()` starts it on a thread of its own, so a command line tool can run it
/// beside its argument parsing instead of on the way to its offer and its channel (issue 12:
/// process start to channel open). No DTLS handshake is rehearsed here: one in memory saved
/// nothing measurable after the answer and cost ~2 ms of CPU per process, which two processes
/// starting together on two cores pay in wall time.
///
/// Without `begin()` nothing changes: a `PeerConnection` makes its certificate itself.
public enum PeerConnectionStartup {
    private static let condition = Condition()
    // Guarded by `condition`.
    nonisolated(unsafe) private static var started = false
    nonisolated(unsafe) private static var finished = false
    nonisolated(unsafe) private static var certificate: DTLSCertificate?
    nonisolated(unsafe) private static var context: DTLSContext?
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
            let prepared = made.flatMap { try? DTLSContext(certificate: $0) }
            // The certificate and context are all the offer waits for; the warm-up runs after.
            condition.withLock {
                certificate = made
                context = prepared
                finished = true
                condition.broadcast()
            }
            warmUp()
        }
    }

    /// The first STUN check (OpenSSL's fetch cache then serves every later one, from any thread)
    /// and usrsctp's set-up, once per process: later calls,
    /// from `begin()`'s thread or any PeerConnection's loop, return at once, even while the
    /// first is still running (a connection that gets there first just pays its own fetches).
    static func warmUp() {
        let first = condition.withLock { () -> Bool in
            defer { warmedUp = true }
            return !warmedUp
        }
        guard first else { return }
        SCTPLibrary.ensureInitialized()
        ICEAgent.warmUpChecks()
    }

    /// True once `begin()` was called: its thread does the warm-up, not the first connection.
    static var begun: Bool { condition.withLock { started } }

    /// The certificate `begin()` made and an OpenSSL context for it, once (each connection gets
    /// its own identity, RFC 8827 §6.5): waits for the set-up thread when it is still running.
    /// Nil without `begin()`, after the first call, or when generation failed (the caller then
    /// generates one and reports the error).
    static func takeIdentity() -> (certificate: DTLSCertificate, context: DTLSContext?)? {
        condition.withLock {
            guard started else { return nil }
            while !finished { condition.wait() }
            defer {
                certificate = nil
                context = nil
            }
            return certificate.map { ($0, context) }
        }
    }
}
