import Testing
@testable import RTCDTLS
@testable import RTCICE
@testable import RTCPeerConnection

/// The process-wide set-up `rtc` begins beside its argument parsing: its certificate goes to one
/// connection only (each gets its own identity), and later ones generate theirs.
@Suite struct PeerConnectionStartupTests {
    @Test func theBackgroundCertificateIsHandedOutOnce() throws {
        PeerConnectionStartup.begin()
        PeerConnectionStartup.begin()  // a second call starts nothing more
        // Another test may have taken it first (the state is the process's), but never twice.
        let first = PeerConnectionStartup.takeIdentity()
        #expect(PeerConnectionStartup.takeIdentity() == nil)
        if let first {
            let other = try DTLSCertificate.generate()
            #expect(first.certificate.fingerprint != other.fingerprint)
            #expect(first.context?.certificate === first.certificate)
        }
    }
}

/// The warm-up must really run the code the first connection would (else it saves nothing): it
/// reports whether its check and answer verified.
@Suite struct StartupWarmUpTests {
    @Test func theRehearsedChecksVerify() {
        #expect(ICEAgent.warmUpChecks())
    }
}
