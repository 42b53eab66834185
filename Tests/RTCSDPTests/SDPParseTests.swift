import Foundation
import Testing
@testable import RTCSDP
import RTCTestSupport

@Suite struct SDPParseTests {
    private func load(_ name: String) throws -> SessionDescription {
        try SessionDescription.parse(try SDPCorpus.text(name))
    }

    @Test func chromiumSimulcastOffer() throws {
        let d = try load("chromium-simulcast-offer.sdp")
        #expect(d.origin.sessionVersion == "2")
        #expect(d.bundleMids == ["0", "1", "2"])
        #expect(d.msidSemantic?.semantic == "WMS")
        #expect(d.media.map(\.type) == ["audio", "video", "application"])
        let audio = d.media[0]
        #expect(audio.rtpMaps.first == SDPRtpMap(payload: 111, codec: "opus", rate: 48000, encoding: 2))
        #expect(audio.fmtps.first?.parameters == ["minptime": "10", "useinbandfec": "1"])
        #expect(audio.direction == "sendrecv")
        #expect(audio.rtcpMux)
        let video = d.media[1]
        #expect(video.rids.map(\.id) == ["q", "h", "f"])
        #expect(video.simulcast == SDPSimulcast(dir1: "send", list1: "q;h;f"))
        #expect(video.rtcpFeedback.contains(SDPRtcpFb(payload: "96", type: "nack", subtype: "pli")))
        let c = try #require(video.candidates.first)
        #expect(c.networkId == 3 && c.networkCost == 50 && c.generation == 0 && c.ip == "127.0.0.1")
        #expect(video.candidates.contains { $0.tcptype == "active" && $0.transport == "tcp" })
        let data = d.media[2]
        #expect(data.sctpPort == 5000)
        #expect(data.maxMessageSize == 262144)
        #expect(d.iceUfrag(for: data) == data.iceUfrag)
        #expect(d.setup(for: data) == "actpass")
        #expect(d.fingerprints(for: data).first?.type == "sha-256")
    }

    @Test func aiortcKeepsEveryFingerprint() throws {
        let d = try load("aiortc-datachannel-offer.sdp")
        #expect(d.media[0].fingerprints.map(\.type) == ["sha-256", "sha-384", "sha-512"])
        #expect(d.media[0].endOfCandidates)
        #expect(d.media[0].candidates.count == 2)
    }

    @Test func sessionLevelFallback() throws {
        let d = try load("hand-ipv6-simulcast-rejected.sdp")
        let audio = d.media[0]
        #expect(audio.iceUfrag == nil)
        #expect(d.iceUfrag(for: audio) == "sess")
        #expect(d.icePwd(for: audio) == "sessionpassword0123456789")
        #expect(d.setup(for: audio) == "passive")
        #expect(d.fingerprints(for: audio).count == 1)
        #expect(d.iceLite)
        #expect(d.connection == SDPConnection(version: 6, ip: "2001:db8::1"))
        #expect(d.media[2].isRejected)
        #expect(d.media[2].direction == "inactive")
        let relay = try #require(audio.candidates.last)
        #expect(relay.raddr == "2001:db8::2" && relay.rport == 50000)
        #expect(relay.extensions == [SDPCandidate.Extension(key: "relay-protocol", value: "udp")])
        let video = d.media[1]
        #expect(video.extmaps.first == SDPExtmap(value: 3, direction: "sendonly", encryptURI: SDPExtmap.encryptURI,
                                                 uri: "urn:ietf:params:rtp-hdrext:sdes:mid"))
        #expect(video.ssrcGroups.first?.ssrcList == [1111, 2222])
        #expect(video.ssrcs[1] == SDPSsrc(id: 1111, attribute: "msid", value: "stream track"))
        #expect(video.simulcast == SDPSimulcast(dir1: "send", list1: "lo;~hi", dir2: "recv", list2: "in"))
        #expect(video.rids[0].params == "pt=96;max-width=320")
    }

    @Test func allRFC8866Lines() throws {
        let d = try load("rfc8866-all-lines.sdp")
        #expect(d.information == "A Seminar on the session description protocol")
        #expect(d.uri == "http://www.example.com/seminars/sdp.pdf")
        #expect(d.emails == ["j.doe@example.com (Jane Doe)"])
        #expect(d.phones == ["+1 617 555-6011"])
        #expect(d.bandwidths == [SDPBandwidth(type: "CT", limit: 1000)])
        #expect(d.timings.count == 2)
        #expect(d.timings[1].repeats == ["7d 1h 0 25h"])
        #expect(d.timeZones == "2882844526 -1h 2898848070 0")
        #expect(d.key == "prompt")
        #expect(d.media[1].numPorts == 2)
        #expect(d.media[0].key == "clear:secret")
        #expect(d.media[1].attributes.last == SDPAttribute(name: "x-custom"))
    }

    @Test func lfInputParsesLikeCRLF() throws {
        let lf = try SDPCorpus.text("hand-datachannel-sctpmap-lf.sdp")
        let d = try SessionDescription.parse(lf)
        #expect(d.media[0].sctpmap == SDPSctpMap(sctpmapNumber: 5000, app: "webrtc-datachannel", maxMessageSize: 256))
        #expect(d.serialize() == lf.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func candidateStrings() throws {
        let s = "candidate:3 1 udp 1694498815 203.0.113.7 50000 typ srflx raddr 192.0.2.1 rport 5000 generation 0 "
            + "ufrag abcd network-id 1 network-cost 10"
        let c = try SDPCandidate.parse(attributeValue: s)
        #expect(c.type == "srflx" && c.port == 50000 && c.ufrag == "abcd")
        #expect(c.description == s)
        #expect(try SDPCandidate.parse(attributeValue: "a=" + s) == c)
        #expect(throws: SDPError.self) { try SDPCandidate.parse(attributeValue: "candidate:1 1 udp 5 1.2.3.4 9 host") }
    }

    static let malformed: [(String, Int, String)] = [
        ("", 1, "empty"),
        ("o=- 1 1 IN IP4 0.0.0.0\r\n", 1, "first line"),
        ("v=1\r\n", 1, "version"),
        ("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n", 2, "6 fields"),
        ("v=0\r\no=- 1 1 IN IP5 x\r\ns=-\r\nt=0 0\r\n", 2, "address type"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\nm=audio 9\r\n", 5, "m= needs"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=rtpmap:x opus/48000\r\n", 6, "payload"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp\r\n", 6, "candidate"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\nt=0 0\r\n", 6, "session-level"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\nx=1\r\n", 5, "unknown line type"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\n\r\nt=0 0\r\n", 4, "empty line"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\nhello\r\n", 5, "expected"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\nt=0 0\r\n", 3, "missing s="),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\na=sctp-port:99999999999999999999999\r\n", 5, "sctp-port"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\na=rtcp-mux:yes\r\n", 5, "no value"),
        ("v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\nm=video 9 RTP/AVP 0\r\na=simulcast:sideways a\r\n", 6, "simulcast"),
    ]

    @Test(arguments: malformed)
    func malformedInputNamesTheLine(text: String, line: Int, reason: String) {
        do {
            _ = try SessionDescription.parse(text)
            Issue.record("parsed: \(text)")
        } catch let e as SDPError {
            #expect(e.line == line, "\(e)")
            #expect(e.description.contains(reason), "\(e)")
            #expect(!e.description.contains("\n"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func editedJSONKeepsOrderAndFillsGaps() throws {
        var d = try SessionDescription.parse(try SDPCorpus.text("chromium-datachannel-offer.sdp"))
        d.media[0].attributes.removeAll { $0.name == "candidate" }
        d.media[0].attributes.append(SDPAttribute(name: "candidate", value: SDPCandidate(
            foundation: "9", priority: 1, ip: "127.0.0.1", port: 4000).attributeValue))
        let json = try JSONEncoder().encode(d)
        #expect(try JSONDecoder().decode(SessionDescription.self, from: json) == d)
        // Without attributeOrder the fields come back in table order, nothing lost.
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var media = try #require(object["media"] as? [[String: Any]])
        media[0]["attributeOrder"] = nil
        object["media"] = media
        let loose = try JSONDecoder().decode(SessionDescription.self,
                                             from: JSONSerialization.data(withJSONObject: object))
        #expect(Set(loose.media[0].attributes) == Set(d.media[0].attributes))
        #expect(loose.media[0].candidates.first?.port == 4000)
    }
}
