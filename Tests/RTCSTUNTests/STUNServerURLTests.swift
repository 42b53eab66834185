import Testing
import RTCCore
import RTCSTUN

/// `stun:` URLs (RFC 7064) as `--stun` takes them: IP literals only.
@Suite struct STUNServerURLTests {
    @Test(arguments: [
        ("stun:127.0.0.1", "127.0.0.1:3478"),
        ("stun:127.0.0.1:19302", "127.0.0.1:19302"),
        ("stun:[::1]:3479", "[::1]:3479"),
        ("stun:::1", "[::1]:3478"),
    ])
    func stunURLs(url: String, address: String) {
        #expect(STUNServerURL.parse(url) == TransportAddress(address))
        #expect(STUNServerURL.parse(url) != nil)
    }

    @Test(arguments: ["stun:", "stun:example.com", "stun:example.com:3478", "turn:127.0.0.1", "127.0.0.1:3478",
                      "stuns:127.0.0.1", "stun:127.0.0.1:99999", "STUN:127.0.0.1x"])
    func notSTUNURLs(_ url: String) {
        #expect(STUNServerURL.parse(url) == nil)
    }
}
