import Testing
@testable import RTC

@Suite struct LibrariesTests {
    @Test func openSSLAnswers() {
        #expect(Libraries.openSSLVersion.hasPrefix("OpenSSL 3"))
    }

    @Test func srtpInitializes() {
        #expect(Libraries.initSRTP())
        #expect(Libraries.srtpVersion.contains("2."))
    }

    @Test func usrsctpOpensAnAFConnSocket() {
        #expect(Libraries.probeUsrsctp())
    }
}
