import Foundation
import Testing
@testable import RTCCore
@testable import RTCPeerConnection
import RTC
@testable import RTCSignaling

/// Signaling input comes from whoever is on the other end of a pipe or socket: every mutation
/// of valid messages must parse or throw `SignalingError`, never crash, and whatever parses
/// must serialize back to something that parses to the same message.
@Suite struct SignalingFuzzTests {
    static let iterations =
        ProcessInfo.processInfo.environment["RTC_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 20_000

    static let seeds: [String] = [
        #"{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}"#,
        #"{"type":"candidate","candidate":"candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}"#,
        #"{"candidate": "candidate:1 1 udp 1 ::1 9 typ host", "id": "0", "label": 0, "type": "candidate"}"#,
        #"{"type": "bye"}"#,
        #"{"type":"candidate","candidate":""}"#,
        CompactToken.encode(#"{"type":"answer","sdp":"v=0\r\n"}"#),
    ]

    @Test func mutatedMessagesNeverCrash() {
        var rng = SplitMix64(seed: 0x5167)
        var parsed = 0
        for i in 0..<Self.iterations {
            var bytes = Array(Self.seeds[i % Self.seeds.count].utf8)
            for _ in 0...(rng.next() % 4) {
                guard !bytes.isEmpty else { break }
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(Array(#"{}[]":,\0"#.utf8)[Int(rng.next() % 9)], at: at)
                default: bytes = Array(bytes[..<at])
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let message = try? SignalingMessage.parse(text) else { continue }
            parsed += 1
            for style in [SignalingMessage.Style.browser, .aiortc] {
                #expect((try? SignalingMessage.parse(message.json(style: style))) == message, "\(text)")
            }
        }
        #expect(parsed > 0)
    }

    @Test(arguments: ["", "   ", "null", "[1]", #"{"type":1}"#, #"{"type":"offer"}"#, #"{"type":"nope"}"#,
                      "!!!", "AAAA", #"{"type":"answer","sdp":5}"#])
    func malformedInputIsAnError(_ text: String) {
        #expect(throws: SignalingError.self) { try SignalingMessage.parse(text) }
    }

    @Test func compactTokenRoundTrips() throws {
        let json = SignalingMessage.description(SessionDescriptionInit(type: .offer, sdp: String(repeating: "a=x\r\n", count: 900))).json()
        let token = CompactToken.encode(json)
        #expect(token.count < json.count / 10)
        #expect(!token.contains("+") && !token.contains("/") && !token.contains("="))
        #expect(try CompactToken.decode(token) == json)
    }

    @Test func inflateBombIsRefused() {
        // 64 MiB of zeros deflates to a few KiB; decoding must stop at its 1 MiB limit.
        let bomb = CompactToken.deflate([UInt8](repeating: 0x20, count: 64 << 20))
        #expect(CompactToken.inflate(bomb, limit: 1 << 20) == nil)
    }
}
