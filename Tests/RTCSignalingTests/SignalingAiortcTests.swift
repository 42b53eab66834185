import Testing
@testable import RTCPeerConnection
import RTC
@testable import RTCSignaling

@Suite struct SignalingAiortcTests {
    @Test func descriptionLineMatchesObjectToString() {
        let m = SignalingMessage.description(SessionDescriptionInit(type: .offer, sdp: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"))
        // Python: json.dumps({"sdp": ..., "type": "offer"}, sort_keys=True)
        #expect(m.aiortcLine() == #"{"sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n", "type": "offer"}"#)
    }

    @Test func candidateUsesIdAndLabel() throws {
        let c = SignalingMessage.candidate(ICECandidateInit(candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
                                                            sdpMid: "0", sdpMLineIndex: 0))
        #expect(c.aiortcLine()
            == #"{"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "id": "0", "label": 0, "type": "candidate"}"#)
        #expect(try SignalingMessage.parse(c.aiortcLine()) == c)
    }

    @Test func byeAndEscapes() throws {
        #expect(SignalingMessage.bye.aiortcLine() == #"{"type": "bye"}"#)
        #expect(try SignalingMessage.parse(#"{"type": "bye"}"#) == .bye)
        #expect(SignalingMessage.pythonString("é\"\\/\u{1}") == #""\u00e9\"\\/\u0001""#)
    }
}
