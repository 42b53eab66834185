import Testing
import RTC
import RTCSignaling

/// Hostile signaling input is refused with an error, never a crash (moved from RTCTests' InputLimitsTests).
@Suite struct SignalingInputLimitsTests {
    @Test func signalingRefusesOversizedAndDeepMessages() {
        let big = #"{"type":"offer","sdp":""# + String(repeating: "x", count: SignalingMessage.maxBytes) + #""}"#
        #expect(throws: SignalingError.self) { try SignalingMessage.parse(big) }
        let deep = #"{"type":"offer","sdp":"#  + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        let start = ContinuousClock.now
        do {
            _ = try SignalingMessage.parse(deep)
            Issue.record("deep message accepted")
        } catch {
            #expect("\(error)".contains("nested deeper than 64"))
        }
        #expect(ContinuousClock.now - start < .milliseconds(200))
    }

}
