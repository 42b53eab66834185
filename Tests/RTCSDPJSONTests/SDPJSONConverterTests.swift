import Foundation
import Testing
import RTCCore
import RTCSDP
import RTCSDPJSON
import RTCTestSupport

@Suite struct SDPJSONConverterTests {
    private func run(_ input: String, toSDP: Bool = false, limits: SDPLimits = .standard) throws -> [String] {
        var out: [String] = []
        try SDPJSONConverter(toSDP: toSDP, limits: limits).convert(input) { out.append($0) }
        return out
    }

    @Test func rawSDPRoundTripsExactly() throws {
        let sdp = try SDPCorpus.text("chromium-datachannel-offer.sdp")
        let json = try run(sdp)
        #expect(json.count == 1 && json[0].hasPrefix("{") && json[0].hasSuffix("}\n"))
        #expect(!json[0].contains("\"type\":\"offer\""))  // raw SDP carries no type
        let back = try run(json[0], toSDP: true)
        #expect(back == [try SessionDescription.parse(sdp).serializeChecked()])
    }

    @Test func jsonLinesKeepTypeAndPassOthersThrough() throws {
        let sdp = try SDPCorpus.text("chromium-datachannel-offer.sdp")
        let offer = JSONValue.object(["type": .string("offer"), "sdp": .string(sdp)]).jsonText
        let candidate = #"{"candidate":"x","type":"candidate"}"#  // pass-through writes keys sorted
        let out = try run(offer + "\n\n" + candidate + "\n")
        #expect(out.count == 2)
        #expect(out[0].hasPrefix(#"{"type":"offer","#))
        #expect(out[1] == candidate + "\n")
        // And back: the {"type","sdp"} line, the other line unchanged.
        let back = try run(out.joined(), toSDP: true)
        #expect(back.count == 2)
        #expect(JSONValue.parseObject(back[0])?["sdp"]?.stringValue == (try SessionDescription.parse(sdp).serializeChecked()))
        #expect(back[1] == candidate + "\n")
    }

    @Test func errorsNameTheInputLine() throws {
        let sdp = try SDPCorpus.text("chromium-datachannel-offer.sdp")
        let good = JSONValue.object(["type": .string("offer"), "sdp": .string(sdp)]).jsonText
        #expect(throws: SDPJSONError.invalid("input line 2: invalid JSON")) {
            try run(good + "\n[1]\n")
        }
        do {
            _ = try run(good + "\n" + #"{"type":"offer","sdp":"v=0\r\nbogus"}"# + "\n")
            Issue.record("bad SDP accepted")
        } catch let SDPJSONError.invalid(message) {
            #expect(message.hasPrefix("input line 2: line "))
        }
    }

    @Test func toSDPRefusesRawSDPAndInjectedLines() throws {
        let sdp = try SDPCorpus.text("chromium-datachannel-offer.sdp")
        #expect(throws: SDPJSONError.expectedJSON) { try run(sdp, toSDP: true) }
        // A CR/LF inside a field would add an m= line to the SDP written.
        let json = try run(sdp)[0]
        let hostile = json.replacingOccurrences(of: #""name":"-""#, with: #""name":"-\r\nm=audio 9 RTP/AVP 0""#)
        #expect(hostile != json)
        #expect(throws: SDPJSONError.self) { try run(hostile, toSDP: true) }
        #expect(throws: SDPJSONError.self) { try run(#"{"origin":1}"#, toSDP: true) }
    }

    @Test func limitsApply() throws {
        let sdp = try SDPCorpus.text("chromium-datachannel-offer.sdp")
        var limits = SDPLimits.standard
        limits.maxLines = 3
        #expect(throws: SDPJSONError.self) { try run(sdp, limits: limits) }
    }
}
