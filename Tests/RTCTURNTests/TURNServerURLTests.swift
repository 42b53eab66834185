import Testing
import RTCCore
import RTCTURN

/// `turn:` URLs (RFC 7065) as `--turn` takes them: IP literals, UDP only.
@Suite struct TURNServerURLTests {
    @Test(arguments: [
        ("turn:127.0.0.1", "127.0.0.1:3478"),
        ("turn:127.0.0.1:3479", "127.0.0.1:3479"),
        ("turn:127.0.0.1:3479?transport=udp", "127.0.0.1:3479"),
        ("turn:127.0.0.1?transport=UDP", "127.0.0.1:3478"),
    ])
    func turnURLs(url: String, address: String) {
        #expect(TURNServerURL.parse(url) == TransportAddress(address))
        #expect(TURNServerURL.parse(url) != nil)
    }

    @Test(arguments: ["turn:127.0.0.1?transport=tcp", "turn:127.0.0.1?x=1", "turns:127.0.0.1", "turn:host.example",
                      "stun:127.0.0.1", "turn:"])
    func notTURNURLs(_ url: String) {
        #expect(TURNServerURL.parse(url) == nil)
    }
}
