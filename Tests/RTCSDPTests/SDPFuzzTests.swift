import Foundation
import Testing
@testable import RTCCore
@testable import RTCSDP
import RTCTestSupport

/// Bounded random-mutation fuzzing of the SDP parser over the corpus.
///
/// The default run is short (20,000 inputs). `RTC_FUZZ_ITERATIONS=1000000 swift test -c release
/// --filter SDPFuzzTests` (or `Scripts/fuzz-sdp`) runs a long one; `RTC_FUZZ_SEED` picks the seed.
@Suite struct SDPFuzzTests {
    static var iterations: Int {
        ProcessInfo.processInfo.environment["RTC_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 20_000
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["RTC_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5D9
    }

    @Test func mutatedCorpusNeverCrashesAndRoundTrips() throws {
        let samples = try SDPCorpus.names.map { name in
            try SDPCorpus.text(name).utf8.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        }
        try #require(!samples.isEmpty)
        var rng = SplitMix64(seed: Self.seed)
        var mutator = SDPMutator()
        var accepted = 0, rejected = 0
        let start = Date()
        for i in 0..<Self.iterations {
            let input = mutator.mutate(samples[Int(rng.next() % UInt64(samples.count))], rng: &rng)
            let text = String(decoding: input, as: UTF8.self)
            let parsed: SessionDescription
            do {
                parsed = try SessionDescription.parse(text)
            } catch let e as SDPError {
                rejected += 1
                if e.line < 1 || e.description.contains("\n") {
                    Issue.record("bad error \(e) for input \(i)")
                }
                continue
            }
            accepted += 1
            let again = try SessionDescription.parse(parsed.serialize())
            if again != parsed {
                Issue.record("round trip changed input \(i): \(SDPError.quote(text))")
                return
            }
            if i % 8 == 0 {
                let json = try JSONEncoder().encode(parsed)
                let decoded = try JSONDecoder().decode(SessionDescription.self, from: json)
                if decoded != parsed {
                    Issue.record("JSON round trip changed input \(i): \(SDPError.quote(text))")
                    return
                }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("SDP fuzz: \(Self.iterations) inputs (\(accepted) accepted, \(rejected) rejected) in "
              + String(format: "%.2f", seconds) + " s, seed \(Self.seed)")
        #expect(accepted > 0 && rejected > 0)
    }
}

/// Produces a random variation of a sample: a window of its lines with a few byte and line edits.
struct SDPMutator {
    private static let alphabet = Array("0123456789 :/=;.-+*~aAmvotscbrzkiupe\r\n\t\u{0}\u{7f}é".utf8)
    private static let tokens: [[UInt8]] = [
        "99999999999999999999999", "-1", "0", "4294967296", "a=", "m=audio 0 RTP/AVP 0", "a=candidate:",
        "typ", "raddr", "IP6", "IN", "/", ":", "a=rtcp-mux", "t=0 0", "c=IN IP4 ::", "a=simulcast:recv ",
        "a=extmap:1/", "a=fmtp:", "a=ssrc:", "a=msid-semantic: ", "\r\n", "\n", "",
    ].map { Array($0.utf8) }

    mutating func mutate(_ lines: [[UInt8]], rng: inout SplitMix64) -> [UInt8] {
        // Keep the session header, then a random window of up to 24 further lines (faster, more varied).
        var picked = Array(lines.prefix(4))
        if lines.count > 4 {
            let from = 4 + Int(rng.next() % UInt64(lines.count - 4))
            let length = 1 + Int(rng.next() % 24)
            picked += lines[from..<min(lines.count, from + length)]
        }
        for _ in 0..<(1 + Int(rng.next() % 3)) where !picked.isEmpty {
            let li = Int(rng.next() % UInt64(picked.count))
            switch rng.next() % 8 {
            case 0:  // replace a byte
                if !picked[li].isEmpty {
                    picked[li][Int(rng.next() % UInt64(picked[li].count))] = Self.alphabet.randomElement(using: &rng) ?? 0
                }
            case 1:  // delete a range
                if !picked[li].isEmpty {
                    let a = Int(rng.next() % UInt64(picked[li].count))
                    let b = min(picked[li].count, a + 1 + Int(rng.next() % 12))
                    picked[li].removeSubrange(a..<b)
                }
            case 2:  // insert a token
                let at = Int(rng.next() % UInt64(picked[li].count + 1))
                picked[li].insert(contentsOf: Self.tokens.randomElement(using: &rng) ?? [], at: at)
            case 3: picked.insert(picked[li], at: Int(rng.next() % UInt64(picked.count)))  // duplicate
            case 4: picked.remove(at: li)
            case 5: picked.swapAt(li, Int(rng.next() % UInt64(picked.count)))
            case 6:  // replace a field with a token
                let fields = picked[li].split(separator: 32, omittingEmptySubsequences: false)
                var f = fields.map(Array.init)
                f[Int(rng.next() % UInt64(f.count))] = Self.tokens.randomElement(using: &rng) ?? []
                picked[li] = Array(f.joined(separator: [32]))
            default:  // truncate the line
                picked[li] = Array(picked[li].prefix(Int(rng.next() % UInt64(picked[li].count + 1))))
            }
        }
        return Array(picked.joined(separator: [10]))
    }
}
