import Foundation
import Testing
@testable import RTCSDP
import RTCTestSupport

@Suite struct SDPCorpusTests {
    @Test func corpusIsThere() {
        #expect(SDPCorpus.names.count >= 11)
        #expect(SDPCorpus.names.contains { $0.hasPrefix("aiortc-") })
        #expect(SDPCorpus.names.contains { $0.hasPrefix("chromium-") })
    }

    @Test(arguments: SDPCorpus.names)
    func parsesAndRoundTrips(name: String) throws {
        let text = try SDPCorpus.text(name)
        let parsed = try SessionDescription.parse(text)
        let again = try SessionDescription.parse(parsed.serialize())
        #expect(again == parsed)
        if SDPCorpus.isCanonical(text) {
            #expect(parsed.serialize() == text)
        }
    }

    @Test(arguments: SDPCorpus.names)
    func jsonRoundTrips(name: String) throws {
        let text = try SDPCorpus.text(name)
        let parsed = try SessionDescription.parse(text)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(parsed)
        let decoded = try JSONDecoder().decode(SessionDescription.self, from: json)
        #expect(decoded == parsed)
        #expect(try encoder.encode(decoded) == json)
        if SDPCorpus.isCanonical(text) {
            #expect(decoded.serialize() == text)
        }
    }

    @Test func noMachineAddressInCapturedSamples() throws {
        for name in SDPCorpus.names where !name.hasPrefix("rfc") && !name.hasPrefix("hand") {
            let text = try SDPCorpus.text(name)
            #expect(!text.contains("192.0.2.2 "), "\(name)")
            #expect(!text.contains("fd00:"), "\(name)")
            #expect(!text.contains("fe80:"), "\(name)")
        }
    }
}
