import Testing
@testable import RTCSDP
@testable import RTCPeerConnection
import RTC
@testable import RTCSignaling

/// The protocol pieces of WHIP/WHEP signaling (RFC 9725): `Link` ice-server headers, trickle
/// fragments (RFC 8840) and `Location` resolution (RFC 3986 §5).
@Suite struct WHIPSignalingTests {
    // MARK: - Link: rel="ice-server" (RFC 9725 §4.6, RFC 8288)

    @Test func linkHeadersOfTheRFCExample() {
        // RFC 9725 §4.6's example, one header per server.
        let links = ICEServerLink.parse([
            #"<stun:stun.example.net>; rel="ice-server""#,
            #"<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="myPassword"; credential-type="password""#,
            #"<turn:turn.example.net?transport=tcp>; rel="ice-server"; username="user"; credential="myPassword"; credential-type="password""#,
            #"<turns:turn.example.net?transport=tcp>; rel="ice-server"; username="user"; credential="myPassword"; credential-type="password""#,
        ])
        #expect(links.map(\.url) == ["stun:stun.example.net", "turn:turn.example.net?transport=udp",
                                     "turn:turn.example.net?transport=tcp", "turns:turn.example.net?transport=tcp"])
        #expect(links[0].username == nil && links[0].credential == nil)
        #expect(links[1] == ICEServerLink(url: "turn:turn.example.net?transport=udp", username: "user",
                                          credential: "myPassword", credentialType: "password"))
    }

    @Test func severalLinksInOneHeaderOtherRelationsSkipped() {
        let links = ICEServerLink.parse([
            #"<https://example.net/next>; rel="next", <stun:192.0.2.1:3478>; rel="ice-server", "#
                + #"<turn:192.0.2.2:3478>; rel=ice-server; username=bob; credential="a\"b,c;d""#,
        ])
        #expect(links.count == 2)
        #expect(links[0].url == "stun:192.0.2.1:3478")
        #expect(links[1].url == "turn:192.0.2.2:3478")
        #expect(links[1].username == "bob")
        #expect(links[1].credential == #"a"b,c;d"#)
    }

    @Test func garbageLinksSkippedNotFatal() {
        #expect(ICEServerLink.parse(["", "garbage", "<unterminated; rel=ice-server", ";;;,,,"]).isEmpty)
        let links = ICEServerLink.parse([#"nonsense, <stun:192.0.2.9>; REL="ice-server""#])
        #expect(links.map(\.url) == ["stun:192.0.2.9"])
    }

    @Test func headerValueRoundTrips() {
        let s = ICEServerLink(url: "turn:192.0.2.2:3478?transport=udp", username: "u\"x", credential: "p\\w",
                              credentialType: "password")
        #expect(ICEServerLink.parse([s.headerValue]) == [s])
    }

    /// What an endpoint sends for `--stun`/`--turn` (RFC 9725 §4.6's shape), read back as sent;
    /// nothing in a value can end the quoted-string, the target or the header.
    @Test func configuredServersAsHeaders() {
        let servers = ICEServerLink.configured(stun: ["stun:192.0.2.1:3478", "stun:[2001:db8::1]:3478"],
                                               turn: ["turn:192.0.2.2:3478?transport=udp"],
                                               turnUsername: "bob", turnPassword: "p\"w\\x")
        #expect(servers.map(\.headerValue) == [
            #"<stun:192.0.2.1:3478>; rel="ice-server""#,
            #"<stun:[2001:db8::1]:3478>; rel="ice-server""#,
            #"<turn:192.0.2.2:3478?transport=udp>; rel="ice-server"; username="bob"; credential="p\"w\\x"; "#
                + #"credential-type="password""#,
        ])
        #expect(ICEServerLink.parse(servers.map(\.headerValue)) == servers)
        // The same values folded into one header, comma-separated (RFC 9110 §5.3).
        #expect(ICEServerLink.parse([servers.map(\.headerValue).joined(separator: ", ")]) == servers)
        let hostile = ICEServerLink(url: "stun:a>b\r\nX-Evil: 1", username: "u\r\nX: y", credential: "c")
        #expect(!hostile.headerValue.contains("\r") && !hostile.headerValue.contains("\n"))
        #expect(ICEServerLink.parse([hostile.headerValue]).first?.url == "stun:abX-Evil: 1")
    }

    /// Relation lists, odd spacing and case, parameters in any order, an empty target.
    @Test func linkParsingTolerance() {
        let links = ICEServerLink.parse([
            #"<stun:192.0.2.1>;rel="preload ice-server""#,
            #"  < turn:192.0.2.2:3478 > ;  credential-type = "password" ; CREDENTIAL="pw" ; Username=u ; Rel = ICE-Server"#,
            #"<>; rel="ice-server", <stun:192.0.2.3>; rel="ice-servers""#,
        ])
        #expect(links == [ICEServerLink(url: "stun:192.0.2.1"),
                          ICEServerLink(url: "turn:192.0.2.2:3478", username: "u", credential: "pw", credentialType: "password")])
    }

    /// Which offered servers this stack takes (UDP STUN/TURN with a password), each named in a log
    /// line; the rest are skipped with one.
    @Test func adoptTakesUsableServersOnly() {
        var c = PeerConnection.Configuration()
        var lines: [String] = []
        c.adopt([
            ICEServerLink(url: "stun:192.0.2.1:3478"),
            ICEServerLink(url: "turn:192.0.2.2?transport=udp", username: "u", credential: "p", credentialType: "Password"),
            ICEServerLink(url: "turn:192.0.2.3:3478?transport=tcp", username: "u", credential: "p"),
            ICEServerLink(url: "turns:192.0.2.4:5349", username: "u", credential: "p"),
            ICEServerLink(url: "stuns:192.0.2.5:5349"),
            ICEServerLink(url: "turn:192.0.2.6", username: "u"),
            ICEServerLink(url: "turn:192.0.2.7", username: "u", credential: "tok", credentialType: "oauth"),
        ], log: { lines.append($0) })
        #expect(c.stunServers == [TransportAddress("192.0.2.1:3478")!])
        #expect(c.turnServers.map(\.address) == [TransportAddress("192.0.2.2:3478")!])
        #expect(c.turnServers.first?.username == "u" && c.turnServers.first?.password == "p")
        #expect(lines.filter { $0.hasPrefix("using ICE server") }.count == 2)
        #expect(lines.filter { $0.contains("skipped") }.count == 5, "\(lines)")
    }

    // MARK: - trickle-ice-sdpfrag (RFC 8840 §4.4)

    static let offer = """
        v=0\r
        o=- 1 1 IN IP4 0.0.0.0\r
        s=-\r
        t=0 0\r
        a=group:BUNDLE 0 1\r
        m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r
        c=IN IP4 0.0.0.0\r
        a=mid:0\r
        a=ice-ufrag:EsAw\r
        a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r
        a=fingerprint:sha-256 00:11\r
        a=setup:actpass\r
        a=sctp-port:5000\r
        m=audio 9 UDP/TLS/RTP/SAVPF 111\r
        c=IN IP4 0.0.0.0\r
        a=mid:1\r
        a=ice-ufrag:EsAw\r
        a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r
        a=rtpmap:111 opus/48000/2\r

        """

    @Test func fragmentForBundledCandidates() throws {
        let d = try SessionDescription.parse(Self.offer)
        let c1 = ICECandidateInit(candidate: "candidate:1 1 udp 2122260223 192.0.2.1 61764 typ host", sdpMid: "0", sdpMLineIndex: 0)
        let c2 = ICECandidateInit(candidate: "candidate:2 1 udp 1686052607 198.51.100.2 61765 typ srflx raddr 192.0.2.1 rport 61764",
                                  sdpMid: "0", sdpMLineIndex: 0)
        let text = TrickleICEFragment.trickling([c1, c2], end: true, of: d).text()
        #expect(text == """
            a=group:BUNDLE 0 1\r
            m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r
            a=mid:0\r
            a=ice-ufrag:EsAw\r
            a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r
            a=candidate:1 1 udp 2122260223 192.0.2.1 61764 typ host\r
            a=candidate:2 1 udp 1686052607 198.51.100.2 61765 typ srflx raddr 192.0.2.1 rport 61764\r
            a=end-of-candidates\r

            """)
        let back = try TrickleICEFragment.parse(text)
        #expect(back.ufrag == "EsAw" && back.pwd == "P2uYro0UCOQ4zxjKXaWCBui1")
        #expect(back.candidateInits == [ICECandidateInit(candidate: c1.candidate, sdpMid: "0", sdpMLineIndex: nil),
                                        ICECandidateInit(candidate: c2.candidate, sdpMid: "0", sdpMLineIndex: nil)])
        #expect(back.endOfCandidates)
    }

    @Test func fragmentOnlyEndOfCandidatesAndByIndex() throws {
        let d = try SessionDescription.parse(Self.offer)
        let end = TrickleICEFragment.trickling([], end: true, of: d)
        #expect(end.sections.count == 1 && end.sections[0].mid == "0" && end.sections[0].endOfCandidates)
        // No sdpMid: the m-line index names the section.
        let byIndex = TrickleICEFragment.trickling(
            [ICECandidateInit(candidate: "candidate:3 1 udp 1 192.0.2.3 9 typ host", sdpMid: nil, sdpMLineIndex: 1)],
            end: false, of: d)
        #expect(byIndex.sections.map(\.mid) == ["1"])
        #expect(byIndex.sections[0].mLine == "audio 9 UDP/TLS/RTP/SAVPF 111")
    }

    /// A restart whose candidates all trickle after it (relay-only, or the first PATCH of a
    /// trickling client) still carries the new credentials, in the bundle's first section.
    @Test func restartFragmentWithoutCandidatesCarriesCredentials() throws {
        let d = try SessionDescription.parse(Self.offer)
        let fragment = TrickleICEFragment.restarting(
            PeerConnection.ICEParameters(ufrag: "new1", password: "0123456789abcdefghijklmn"), of: d)
        let text = fragment.text()
        #expect(text.contains("a=ice-ufrag:new1\r\n") && text.contains("a=ice-pwd:0123456789abcdefghijklmn\r\n"), "\(text)")
        #expect(fragment.sections.map(\.mid) == ["0"])
        let back = try TrickleICEFragment.parse(text)
        #expect(back.iceParameters == PeerConnection.ICEParameters(ufrag: "new1", password: "0123456789abcdefghijklmn"))
    }

    @Test func parsesFragmentsOfOtherShapes() throws {
        // Credentials at session level, LF line ends, no m= line (RFC 8840 lets a bundle trickle so).
        let f = try TrickleICEFragment.parse("a=ice-ufrag:x\na=ice-pwd:y\na=ice-options:trickle\na=candidate:1 1 udp 1 192.0.2.1 1 typ host\n")
        #expect(f.ufrag == "x" && f.pwd == "y")
        #expect(f.candidateInits.map(\.candidate) == ["candidate:1 1 udp 1 192.0.2.1 1 typ host"])
        #expect(!f.endOfCandidates)
        #expect(try TrickleICEFragment.parse("").sections.isEmpty)
    }

    @Test(arguments: ["hello", "a=candidate:\r\n", "=x\r\n", "A=ice-ufrag:x\r\n", "ä=x"])
    func malformedFragmentsRefused(_ text: String) {
        #expect(throws: SignalingError.self) { try TrickleICEFragment.parse(text) }
    }

    @Test func oversizeFragmentRefused() {
        let big = String(repeating: "a=x\r\n", count: TrickleICEFragment.maxBytes / 5 + 1)
        #expect(throws: SignalingError.self) { try TrickleICEFragment.parse(big) }
    }

    // MARK: - Location (RFC 3986 §5.2; RFC 5.4 examples)

    @Test(arguments: [
        ("/resource/abc", "http://127.0.0.1:8080/whip/endpoint", "http://127.0.0.1:8080/resource/abc"),
        ("resource/abc", "http://127.0.0.1:8080/whip/endpoint", "http://127.0.0.1:8080/whip/resource/abc"),
        ("../r/1", "https://h.example/a/b/c", "https://h.example/a/r/1"),
        ("https://other.example:9/x?y=1", "http://h/e", "https://other.example:9/x?y=1"),
        ("//cdn.example/r", "https://h/e", "https://cdn.example/r"),
        ("?id=5", "http://h/whip?old=1", "http://h/whip?id=5"),
        ("r", "http://h", "http://h/r"),
        ("  /r  ", "http://h/e", "http://h/r"),
    ])
    func locationResolution(_ c: (String, String, String)) {
        #expect(URLReference.resolve(c.0, against: c.1) == c.2)
    }

    /// RFC 3986 §5.4.1 normal examples, base http://a/b/c/d;p?q.
    @Test func rfc3986NormalExamples() {
        let base = "http://a/b/c/d;p?q"
        let cases = [("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"),
                     ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"), ("#s", "http://a/b/c/d;p?q#s"),
                     (";x", "http://a/b/c/;x"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"), ("..", "http://a/b/"),
                     ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../g", "http://a/g"),
                     ("../../../g", "http://a/g"), ("g;x=1/../y", "http://a/b/c/y")]
        for (ref, want) in cases { #expect(URLReference.resolve(ref, against: base) == want, "\(ref)") }
    }

    @Test func unusableLocations() {
        #expect(URLReference.resolve("", against: "http://h/e") == nil)
        #expect(URLReference.resolve("   ", against: "http://h/e") == nil)
        #expect(URLReference.resolve("/r", against: "not a url") == nil)
    }
}
