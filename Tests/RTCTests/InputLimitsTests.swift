import Foundation
import Testing
@testable import RTCCore
@testable import RTCSTUN
@testable import RTCSDP
@testable import RTCICE
@testable import RTC
import RTCTestSupport

/// Hostile input at the edges (issue 15, findings 6 and 7): every cap and validator refuses with
/// a reason naming the limit, in bounded time, and nothing traps.
@Suite struct InputLimitsTests {
    // MARK: - SDP

    static let head = "v=0\r\no=- 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    static let app = "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"

    /// A minimal valid description with `extra` lines in its data-channel section.
    static func sdp(_ extra: String) -> String { head + app + extra }

    static let candidate = "a=candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host\r\n"

    /// (name, SDP, words the reason must contain). Each one was accepted before: parsed, and the
    /// ufrag went into STUN USERNAME (70 KB: a precondition trap), the port into Int, the CR
    /// hid a line break.
    static let hostileSDP: [(String, String, String)] = [
        ("70 KB ufrag", sdp("a=ice-ufrag:" + String(repeating: "a", count: 70_000) + "\r\n"), "ice-ufrag must be 4 to 256"),
        ("257-char ufrag", sdp("a=ice-ufrag:" + String(repeating: "a", count: 257) + "\r\n"), "ice-ufrag must be 4 to 256"),
        ("3-char ufrag", sdp("a=ice-ufrag:abc\r\n"), "ice-ufrag must be 4 to 256"),
        ("ufrag with colon", sdp("a=ice-ufrag:ab:cd\r\n"), "ice-ufrag must be 4 to 256"),
        ("session ufrag non-ASCII", head + "a=ice-ufrag:abcdé\r\n" + app, "ice-ufrag must be 4 to 256"),
        ("21-char pwd", sdp("a=ice-pwd:" + String(repeating: "p", count: 21) + "\r\n"), "ice-pwd must be 22 to 256"),
        ("10 KB pwd", sdp("a=ice-pwd:" + String(repeating: "p", count: 10_000) + "\r\n"), "ice-pwd must be 22 to 256"),
        ("NUL in a value", sdp("a=mid:0\u{0}x\r\n"), "NUL character"),
        ("CR inside a line", sdp("a=mid:0\rm=audio 9 RTP/AVP 0\r\n"), "CR character inside line"),
        ("mid with space", sdp("a=mid:0 1\r\n"), "mid must be 1 to 256 token"),
        ("setup with quote", sdp("a=setup:\"active\"\r\n"), "setup must be 1 to 256 token"),
        ("m= port Int64.max", head + "m=application 9223372036854775807 UDP/DTLS/SCTP webrtc-datachannel\r\n",
         "port 9223372036854775807 out of range 0...65535"),
        ("m= port 65536", head + "m=application 65536 UDP/DTLS/SCTP webrtc-datachannel\r\n", "out of range 0...65535"),
        ("m= number of ports 0", head + "m=application 9/0 UDP/DTLS/SCTP webrtc-datachannel\r\n", "out of range 1...65535"),
        ("candidate port", sdp("a=candidate:1 1 udp 2122260223 127.0.0.1 70000 typ host\r\n"), "out of range 0...65535"),
        ("candidate rport", sdp("a=candidate:1 1 udp 1 1.2.3.4 5 typ srflx raddr 0.0.0.0 rport 99999\r\n"), "rport 99999 out of range"),
        ("candidate component 0", sdp("a=candidate:1 0 udp 1 1.2.3.4 5 typ host\r\n"), "component id 0 out of range"),
        ("candidate priority 2^32", sdp("a=candidate:1 1 udp 4294967296 1.2.3.4 5 typ host\r\n"), "priority 4294967296 out of range"),
        ("candidate foundation 33", sdp("a=candidate:" + String(repeating: "f", count: 33) + " 1 udp 1 1.2.3.4 5 typ host\r\n"),
         "foundation must be 1 to 32"),
        ("candidate ufrag 300", sdp("a=candidate:1 1 udp 1 1.2.3.4 5 typ host ufrag " + String(repeating: "u", count: 300) + "\r\n"),
         "ice-ufrag must be 4 to 256"),
        ("rtcp port", sdp("a=rtcp:65536\r\n"), "out of range 0...65535"),
        ("sctp-port", sdp("a=sctp-port:70000\r\n"), "invalid sctp-port"),
        ("65 m-sections", head + String(repeating: app, count: 65), "limit of 64 media sections"),
        ("1,001 candidates", sdp((0...1000).map { "a=candidate:1 1 udp 1 10.0.0.1 \($0) typ host\r\n" }.joined()),
         "limit of 1000 candidates"),
        ("20,001 lines", sdp(String(repeating: "a=x\r\n", count: 20_000)), "limit of 20000 lines"),
        ("over 1 MiB", sdp("a=x:" + String(repeating: "x", count: 1 << 20) + "\r\n"), "exceeds the limit of 1048576 bytes"),
    ]

    @Test(arguments: hostileSDP)
    func hostileDescriptionIsRefusedNamingTheReason(name: String, text: String, reason: String) {
        do {
            _ = try SessionDescription.parse(text)
            Issue.record("\(name): accepted")
        } catch let e as SDPError {
            #expect(e.description.contains(reason), "\(name): \(e)")
            #expect(!e.description.contains("\n") && !e.description.contains("\r"), "\(name): error is one line")
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    @Test func valuesAtTheLimitsAreAccepted() throws {
        let ufrag = String(repeating: "a", count: 256), pwd = String(repeating: "+/", count: 128)
        let text = Self.sdp("a=ice-ufrag:\(ufrag)\r\na=ice-pwd:\(pwd)\r\na=mid:data-0_x\r\n"
            + "a=candidate:\(String(repeating: "F", count: 32)) 256 udp 4294967295 ::1 65535 typ host\r\n")
        let d = try SessionDescription.parse(text)
        #expect(d.media[0].iceUfrag == ufrag && d.media[0].icePwd == pwd)
        #expect(d.media[0].candidates.first?.port == 65535)
        var bigger = SDPLimits.standard
        bigger.maxLines = 30_000
        #expect(throws: Never.self) { try SessionDescription.parse(Self.sdp(String(repeating: "a=x\r\n", count: 20_000)), limits: bigger) }
        _ = try SessionDescription.parse(Self.head + String(repeating: Self.app, count: 64))
        _ = try SessionDescription.parse(Self.sdp(String(repeating: Self.candidate, count: 1000)))
    }

    /// A `mid` from JSON holding CRLF would otherwise serialize into a second, injected m= section.
    @Test(arguments: ["0\r\nm=audio 9 RTP/AVP 0", "0\nm=audio 9 RTP/AVP 0", "0\u{0}", "0\r"])
    func serializingRefusesLineBreaksInFields(mid: String) throws {
        var d = try SessionDescription.parse(Self.sdp("a=mid:0\r\n"))
        #expect(try d.serializeChecked() == d.serialize())
        d.media[0].attributes = [SDPAttribute(name: "mid", value: mid)]
        #expect(throws: SDPError.self) { try d.serializeChecked() }
        d.media[0].attributes = []
        d.media[0].proto = "UDP/DTLS/SCTP\r\na=injected"
        #expect(throws: SDPError.self) { try d.serializeChecked() }
    }

    /// Long descriptions are parsed whole and in order, and one over the line limit is refused
    /// at the first line past it: the splitter stops there instead of reading the rest. (Parse
    /// time is measured by Scripts/bench-sdp-parse, not asserted here: a unit test holds no
    /// wall-clock bound.)
    @Test func longDescriptionsParseWholeAndStopAtTheLineLimit() throws {
        var limits = SDPLimits.standard
        limits.maxLines = 80_010
        limits.maxBytes = 64 << 20
        let lines = 80_000
        let text = Self.sdp((0..<lines).map { "a=x-attribute:value \($0)\r\n" }.joined())
        let d = try SessionDescription.parse(text, limits: limits)
        #expect(d.media.count == 1)
        #expect(d.media[0].attributes.count == lines)
        #expect(d.media[0].attributes.last == SDPAttribute(name: "x-attribute", value: "value \(lines - 1)"))

        limits.maxLines = 1_000
        let over = String(repeating: "a=x-attribute:some value\r\n", count: 100_000)
        #expect(throws: SDPError.invalidDescription(
            line: 1_001, reason: "session description exceeds the limit of 1000 lines")) {
            try SessionDescription.parse(Self.sdp(over), limits: limits)
        }
    }

    // MARK: - JSON

    /// Foundation's decoder took 2.5 s of CPU for 511 levels (growing with depth³); ours refuses
    /// at the 65th opening bracket, whatever follows: the error's offset is where it stopped
    /// reading (bounded work, without a clock).
    @Test(arguments: [65, 511, 100_000])
    func deepJSONIsRefusedAtTheDepthLimit(depth: Int) {
        let limit = JSONLimits.maxDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: JSONParseError(offset: limit, reason: "nested deeper than \(limit) levels")) {
            try JSONValue.parse(text)
        }
        let member = #"{"a":"#
        let nested = String(repeating: member, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(throws: JSONParseError(offset: limit * member.utf8.count, reason: "nested deeper than \(limit) levels")) {
            try JSONValue.parse(nested)
        }
    }

    @Test func sixtyFourLevelsParse() throws {
        let text = String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64)
        var v = try JSONValue.parse(text)
        for _ in 0..<64 {
            guard case let .array(a) = v, a.count == 1 else { Issue.record("not nested"); return }
            v = a[0]
        }
        #expect(v == .int(1))
    }

    static let hostileJSON: [(String, [UInt8])] = [
        ("invalid UTF-8 in a string", Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)),
        ("overlong UTF-8", Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)),
        ("lone high surrogate", Array(#"{"a":"\ud800"}"#.utf8)),
        ("lone low surrogate", Array(#"{"a":"\udc00x"}"#.utf8)),
        ("raw control character", Array("{\"a\":\"x\ny\"}".utf8)),
        ("bad escape", Array(#"{"a":"\x"}"#.utf8)),
        ("trailing comma", Array("[1,]".utf8)),
        ("leading zero", Array("[01]".utf8)),
        ("huge exponent", Array("[1e999]".utf8)),
        ("unterminated", Array(#"{"a":"#.utf8)),
    ]

    @Test(arguments: hostileJSON)
    func hostileJSONIsRefused(name: String, bytes: [UInt8]) {
        var parser = JSONParser(bytes)
        #expect(throws: JSONParseError.self, "\(name)") { try parser.parseDocument() }
    }

    @Test func jsonEscapesAndNumbers() throws {
        let v = try JSONValue.parse(#"{"s":"\u00e9\ud83d\ude00\n\/","i":-9223372036854775808,"big":18446744073709551616,"f":1.5e2}"#)
        #expect(v["s"] == .string("é😀\n/"))
        #expect(v["i"] == .int(Int.min))
        #expect(v["big"] == .double(18446744073709551616))
        #expect(v["f"]?.intValue == 150)
    }

    // MARK: - STUN

    /// A remote-derived USERNAME over 65535 bytes trapped (`precondition`) in a checked build.
    @Test func stunEncodingOverLongValuesThrowsInsteadOfTrapping() {
        var m = STUNMessage(.request, .binding)
        m.username = String(repeating: "u", count: 70_000)
        m.addMessageIntegrity(key: STUNMessage.shortTermKey(password: "p"))
        m.addFingerprint()
        #expect(throws: STUNError.tooLongToEncode(type: .username, length: 70_000)) { try m.encoded() }
        var body = STUNMessage(.request, .binding)
        body.username = String(repeating: "u", count: 40_000)
        body.realm = String(repeating: "r", count: 40_000)
        #expect(throws: STUNError.tooLongToEncode(type: nil, length: 80_008)) { try body.encoded() }
        let packet = ICEWire.bindingRequest(
            id: STUNTransactionID(high: 1, low: 2), username: String(repeating: "u", count: 70_000) + ":x", password: "p",
            priority: 1, role: .controlling, tieBreaker: 1, useCandidate: false)
        #expect(packet.isEmpty)
    }

    // MARK: - ICE candidates

    /// Pair de-duplication was O(N²) (40k candidates: 45 s). Now the agent keeps at most
    /// `maxRemoteCandidates` and makes one pair per kept candidate and base: the refused ones
    /// cost no pairing work at all (counted, not timed).
    @Test func fortyThousandCandidatesAreCapped() throws {
        let h = RealLoop()
        let (kept, refused, pairs, distinct, bases) = try h.sync { () -> (Int, Int, Int, Int, Int) in
            let agent = ICEAgent(loop: h.loop, role: .controlling,
                                 configuration: .init(hostAddresses: [TransportAddress(host: "127.0.0.1", port: 0)!]))
            try agent.gather()
            defer { agent.close() }
            var refused = 0
            for i in 0..<40_000 {
                let c = ICECandidate(foundation: "1", priority: UInt32(i),
                                     address: TransportAddress(host: "127.0.\(i / 250).\(i % 250 + 1)", port: 9)!,
                                     kind: .host)
                if !agent.addRemoteCandidate(c) { refused += 1 }
            }
            let keys = Set(agent.pairs.map { "\(ObjectIdentifier($0.base)) \($0.remote.address)" })
            return (agent.remoteCandidates.count, refused, agent.pairs.count, keys.count, agent.hostBases.count)
        }
        #expect(kept == ICEAgent.maxRemoteCandidates)
        #expect(refused == 40_000 - ICEAgent.maxRemoteCandidates)
        #expect(bases == 1)
        #expect(pairs == kept * bases)
        #expect(distinct == pairs)
    }

    @Test func pairsStayInPriorityOrderWithoutDuplicates() throws {
        let h = RealLoop()
        let (priorities, count) = try h.sync { () -> ([UInt64], Int) in
            let agent = ICEAgent(loop: h.loop, role: .controlling,
                                 configuration: .init(hostAddresses: [TransportAddress(host: "127.0.0.1", port: 0)!]))
            try agent.gather()
            defer { agent.close() }
            for p in [5, 900, 17, 900, 3, 1_000_000] as [UInt32] {
                agent.addRemoteCandidate(ICECandidate(
                    foundation: "1", priority: p,
                    address: TransportAddress(host: "127.0.0.1", port: UInt16(p % 60_000 + 1))!, kind: .host))
            }
            return (agent.pairs.map { $0.priority(role: .controlling) }, agent.pairs.count)
        }
        #expect(count == 5)
        #expect(priorities == priorities.sorted(by: >))
    }

    @Test func trickledCandidatesAreValidated() throws {
        for bad in ["candidate:1 1 udp 1 1.2.3.4 99999 typ host", "candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=x",
                    "candidate:1 999 udp 1 1.2.3.4 5 typ host"] {
            #expect(throws: SDPError.self, "\(bad)") { try SDPCandidate.parse(attributeValue: bad) }
        }
    }

    // MARK: - Line reader

    /// A reader over a temporary file holding `bytes` (a file, not a pipe: the reader may stop early).
    private func reader(feeding bytes: [UInt8], maxLine: Int) throws -> LineReader {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rtc-lines-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        unlink(path)  // the open descriptor keeps the data until the test process exits
        guard fd >= 0 else { throw POSIXError(.EIO) }
        return LineReader(fd: fd, maxLine: maxLine)
    }

    @Test func lineReaderSplitsLinesAndChecksUTF8() throws {
        var r = try reader(feeding: Array("a\r\nbé\n\nlast".utf8) + [0x0A, 0xFF, 0x0A, 0x41], maxLine: 16)
        #expect(r.next() == .line("a"))
        #expect(r.next() == .line("bé"))
        #expect(r.next() == .line(""))
        #expect(r.next() == .line("last"))
        #expect(r.next() == .invalidUTF8(lineNumber: 5))
    }

    @Test func lineReaderStopsAnEndlessLineAtTheCap() throws {
        // 8 MiB without a newline against a 1 MiB cap: refused after reading about the cap.
        var r = try reader(feeding: [UInt8](repeating: 0x30, count: 8 << 20), maxLine: 1 << 20)
        #expect(r.next() == .tooLong(lineNumber: 1))
        var ok = try reader(feeding: [UInt8](repeating: 0x30, count: 100) + [0x0D, 0x0A], maxLine: 100)
        #expect(ok.next() == .line(String(repeating: "0", count: 100)))
        #expect(ok.next() == .end)
        var over = try reader(feeding: [UInt8](repeating: 0x30, count: 101), maxLine: 100)
        #expect(over.next() == .tooLong(lineNumber: 1))
    }
}

/// `CompactJSONEncoder` must write exactly what Foundation's encoder wrote before it.
@Suite struct CompactJSONEncoderTests {
    private func foundation<T: Encodable>(_ v: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try e.encode(v))
    }

    @Test(arguments: SDPCorpus.names)
    func corpusMatchesFoundation(name: String) throws {
        let d = try SessionDescription.parse(try SDPCorpus.text(name))
        #expect(try CompactJSONEncoder().encode(d) == foundation(d))
    }

    @Test func escapesNumbersAndKeyOrderMatchFoundation() throws {
        let text = "v=0\r\no=- 18446744073709551615 0 IN IP4 0.0.0.0\r\ns=\u{1}\u{1f}\u{7f}\"\\/é😀\t\u{8}\u{c}\r\nt=0 0\r\n"
            + "a=framerate:30.0\r\na=ice-lite\r\na=ice-options:trickle\r\nm=video 9 RTP/AVP 96\r\na=framerate:29.97\r\n"
            + "a=fmtp:96 a=1;Zb=2;ab=3;é=4;a=5\r\na=x-unknown\r\n"
        let d = try SessionDescription.parse(text)
        #expect(try CompactJSONEncoder().encode(d) == foundation(d))
        let v: JSONValue = ["b": [1, -2, 0.5, "x\n", nil, true], "a": ["Z": 1, "a": 2, "é": 3, "A": 4]]
        #expect(try CompactJSONEncoder().encode(v) == foundation(v))
    }
}
