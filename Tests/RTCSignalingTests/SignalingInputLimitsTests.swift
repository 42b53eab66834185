import Testing
import RTC
import RTCSignaling

/// Hostile signaling input is refused with an error, never a crash (moved from RTCTests' InputLimitsTests).
@Suite struct SignalingInputLimitsTests {
    @Test func signalingRefusesOversizedAndDeepMessages() {
        let big = #"{"type":"offer","sdp":""# + String(repeating: "x", count: SignalingMessage.maxBytes) + #""}"#
        #expect(throws: SignalingError.self) { try SignalingMessage.parse(big) }
        let deep = #"{"type":"offer","sdp":"#  + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        // Refused at level 65 (the object is level 1, so its 64th bracket, byte 22 + 63), not after
        // reading the other 1,137 brackets: bounded work, no clock.
        do {
            _ = try SignalingMessage.parse(deep)
            Issue.record("deep message accepted")
        } catch {
            #expect("\(error)".contains("at byte 85: nested deeper than 64"), "\(error)")
        }
    }

}
