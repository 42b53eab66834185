import Foundation
import Testing

@Suite struct SdpParseCLITests {
    static let sdp = "v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
        + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
        + "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host generation 0\r\n"
        + "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
        + "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\n"
        + "a=max-message-size:262144\r\n"

    private func object(_ line: Substring) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func rawSDPToJSON() throws {
        let r = try CLI.run(["sdp-parse"], stdin: Self.sdp)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let o = try object(lines[0])
        #expect((o["origin"] as? [String: Any])?["sessionId"] as? Int == 42)
        let media = try #require((o["media"] as? [[String: Any]])?.first)
        #expect(media["sctpPort"] as? Int == 5000)
        #expect(media["iceUfrag"] as? String == "abcd")
        #expect((media["candidates"] as? [[String: Any]])?.first?["ip"] as? String == "127.0.0.1")
        #expect((media["fingerprint"] as? [String: Any])?["type"] as? String == "sha-256")
    }

    @Test func jsonLinesStreamGivesOneLineEach() throws {
        let desc = String(decoding: try JSONSerialization.data(withJSONObject: ["type": "offer", "sdp": Self.sdp]),
                          as: UTF8.self)
        let answer = desc.replacingOccurrences(of: "\"offer\"", with: "\"answer\"")
        let input = desc + "\n" + #"{"type":"candidate","candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}"#
            + "\n" + answer + "\n"
        let r = try CLI.run(["sdp-parse", "-"], stdin: input)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(try object(lines[0])["type"] as? String == "offer")
        #expect(try object(lines[0])["media"] != nil)
        #expect(try object(lines[1])["type"] as? String == "candidate")
        #expect(try object(lines[2])["type"] as? String == "answer")
    }

    @Test func toSDPRoundTripsByteForByte() throws {
        let parsed = try CLI.run(["sdp-parse"], stdin: Self.sdp)
        let back = try CLI.run(["sdp-parse", "--to-sdp"], stdin: parsed.stdout)
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout == Self.sdp)
        // A session description stays one: {"type","sdp"} in, the same out.
        let desc = String(decoding: try JSONSerialization.data(withJSONObject: ["type": "answer", "sdp": Self.sdp]),
                          as: UTF8.self)
        let json = try CLI.run(["sdp-parse"], stdin: desc)
        let again = try CLI.run(["sdp-parse", "--to-sdp"], stdin: json.stdout)
        #expect(again.status == 0)
        let o = try object(again.stdout.split(separator: "\n")[0])
        #expect(o["type"] as? String == "answer")
        #expect(o["sdp"] as? String == Self.sdp)
    }

    @Test func readsAFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rtc-sdp-\(getpid()).sdp")
        try Data(Self.sdp.replacingOccurrences(of: "\r\n", with: "\n").utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try CLI.run(["sdp-parse", url.path])
        #expect(r.status == 0, "\(r.stderr)")
        let back = try CLI.run(["sdp-parse", "--to-sdp"], stdin: r.stdout)
        #expect(back.stdout == Self.sdp)
    }

    @Test func malformedSDPExits65WithTheLine() throws {
        let bad = Self.sdp.replacingOccurrences(of: "a=sctp-port:5000", with: "a=sctp-port:five")
        let r = try CLI.run(["sdp-parse"], stdin: bad)
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("line 14"))
        #expect(r.stderr.contains("a=sctp-port:five"))
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    @Test func malformedSDPInsideJSONNamesBothLines() throws {
        let bad = Self.sdp.replacingOccurrences(of: "m=application 9", with: "m=application nine")
        let desc = String(decoding: try JSONSerialization.data(withJSONObject: ["type": "offer", "sdp": bad]),
                          as: UTF8.self)
        let r = try CLI.run(["sdp-parse"], stdin: "{\"type\":\"bye\"}\n" + desc + "\n")
        #expect(r.status == 65)
        #expect(r.stderr.contains("input line 2"))
        #expect(r.stderr.contains("line 6"))
    }

    @Test func badJSONExits65() throws {
        let r = try CLI.run(["sdp-parse"], stdin: "{\"type\":\"offer\",\n")
        #expect(r.status == 65)
        #expect(r.stderr.contains("invalid JSON"))
        let s = try CLI.run(["sdp-parse", "--to-sdp"], stdin: "{\"origin\":42}\n")
        #expect(s.status == 65)
        #expect(s.stderr.split(separator: "\n").count == 1)
    }

    @Test func helpDocumentsTheSchema() throws {
        let r = try CLI.run(["sdp-parse", "--help"])
        #expect(r.status == 0)
        for field in ["candidates", "fingerprint", "attributeOrder", "invalid", "--to-sdp", "65"] {
            #expect(r.stdout.contains(field), "\(field)")
        }
    }
}
