import Testing
@testable import RTCCore
import CUsrsctp

@Suite struct LibrariesTests {
    @Test func openSSLAnswers() {
        #expect(Libraries.openSSLVersion.hasPrefix("OpenSSL 3"))
    }

    /// libsrtp2 is opened on first use (only media needs it); it must be there and answer.
    @Test func srtpInitializes() {
        #expect(Libraries.initSRTP())
        #expect(Libraries.srtpVersion?.contains("2.") == true)
    }

    @Test func usrsctpOpensAnAFConnSocket() {
        #expect(Libraries.probeUsrsctp())
    }
}

extension LibrariesTests {
    /// The probe shares the stack's usrsctp instance: it must keep the library's sysctls as the
    /// SCTP layer set them (a private init/finish would reset them for everyone).
    @Test func usrsctpProbeKeepsSharedSettings() {
        #expect(Libraries.probeUsrsctp())
        #expect(Libraries.probeUsrsctp())
        #expect(usrsctp_sysctl_get_sctp_pr_enable() == 1)
        #expect(usrsctp_sysctl_get_sctp_reconfig_enable() == 1)
        #expect(usrsctp_sysctl_get_sctp_delayed_sack_time_default() == 20)
    }
}
