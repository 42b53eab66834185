#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import RTCCore
@testable import RTCCrypto
@testable import RTCSTUN

/// Bounded random-mutation fuzzing of the STUN and ChannelData decoders, seeded so a failure
/// reproduces. The default run is short; `RTC_FUZZ_ITERATIONS=1000000 Scripts/fuzz-stun` runs
/// a million inputs in release mode (`RTC_FUZZ_SEED` picks another seed).
///
/// Properties: nothing traps; whatever decodes re-encodes to the same bytes; every getter,
/// integrity and fingerprint check runs on it without trapping.
@Suite struct STUNFuzzTests {
    static func environment(_ name: String) -> UInt64? {
        guard let p = getenv(name) else { return nil }
        return UInt64(String(cString: p).filter { $0 != "_" })
    }

    static let key = STUNMessage.shortTermKey(password: RFC5769.password)

    /// The RFC vectors plus messages that exercise every typed attribute.
    static let corpus: [[UInt8]] = {
        var rich = STUNMessage(.successResponse, .allocate, transactionID: RFC5769.transactionID)
        rich.mappedAddress = TransportAddress("10.0.0.1:1000")
        rich.xorMappedAddress = TransportAddress("[2001:db8::7]:3478")
        rich.xorRelayedAddress = TransportAddress("198.51.100.2:49152")
        rich.xorPeerAddresses = [TransportAddress("192.0.2.5:5")!, TransportAddress("[::1]:6")!]
        rich.responseOrigin = TransportAddress("203.0.113.1:3478")
        rich.otherAddress = TransportAddress("203.0.113.2:3479")
        rich.username = "user:name"
        rich.realm = "realm"
        rich.nonce = "nonce123"
        rich.software = "rtc fuzz"
        rich.priority = 1_853_824_767
        rich.useCandidate = true
        rich.iceControlling = 42
        rich.iceControlled = 43
        rich.changeRequest = [.changeIP]
        rich.lifetime = 600
        rich.data = [1, 2, 3]
        rich.requestedTransport = 17
        rich.channelNumber = 0x4000
        rich.errorCode = STUNErrorCode(420, reason: "Unknown Attribute")
        rich.unknownAttributes = [.init(0x0031)]
        rich.append(.init(0x7777), [0xAA])
        rich.addMessageIntegrity(key: key)
        rich.addMessageIntegritySHA256(key: key)
        rich.addFingerprint()
        let channel = ChannelData(channelNumber: 0x4001, data: Array("channel data".utf8))!
        return RFC5769.all + [rich.encode(), channel.encode(), channel.encode(padded: true)]
    }()

    /// One fuzz input: a corpus entry or random bytes, mutated 1–4 times.
    static func input(_ rng: inout SplitMix64) -> [UInt8] {
        var b: [UInt8]
        if rng.next() % 8 == 0 {
            b = SecureRandom.bytes(Int(rng.next() % 96), using: &rng)
            if rng.next() % 2 == 0, b.count >= 20 {  // a plausible header, random body
                b[0] &= 0x3F
                b.replaceSubrange(4..<8, with: [0x21, 0x12, 0xA4, 0x42])
            }
        } else {
            b = corpus[Int(rng.next() % UInt64(corpus.count))]
        }
        for _ in 0...(rng.next() % 4) { mutate(&b, &rng) }
        if rng.next() % 2 == 0, b.count >= 20 {  // fix up the length so parsing goes deeper
            let n = b.count - 20
            b[2] = UInt8(truncatingIfNeeded: n >> 8)
            b[3] = UInt8(truncatingIfNeeded: n)
        }
        return b
    }

    static func mutate(_ b: inout [UInt8], _ rng: inout SplitMix64) {
        func pos(_ extra: Int = 0) -> Int { Int(rng.next() % UInt64(b.count + extra)) }
        switch rng.next() % 10 {
        case 0 where !b.isEmpty: b[pos()] ^= 1 << (rng.next() % 8)
        case 1 where !b.isEmpty: b[pos()] = UInt8(truncatingIfNeeded: rng.next())
        case 2 where !b.isEmpty: b[pos()] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x02, 0x14, 0x20][Int(rng.next() % 8)]
        case 3: b.removeLast(min(b.count, Int(rng.next() % 8)))
        case 4:
            let at = pos(1)
            b.insert(contentsOf: SecureRandom.bytes(Int(rng.next() % 9), using: &rng), at: at)
        case 5 where !b.isEmpty:
            let at = pos()
            b.removeSubrange(at..<min(b.count, at + Int(rng.next() % 9)))
        case 6 where b.count >= 24:  // rewrite an attribute-sized 16-bit field at a 4-aligned spot
            let at = 20 + (Int(rng.next() % UInt64((b.count - 20) / 4)) * 4) + 2
            if at + 1 < b.count {
                let v = [0, 1, 3, 4, 8, 12, 16, 20, 32, 0xFFFF][Int(rng.next() % 10)]
                b[at] = UInt8(v >> 8)
                b[at + 1] = UInt8(v & 0xFF)
            }
        case 7 where b.count >= 24:  // duplicate a 4-byte-aligned chunk
            let at = 20 + Int(rng.next() % UInt64((b.count - 20) / 4)) * 4
            let chunk = Array(b[at..<min(b.count, at + 4 * Int(1 + rng.next() % 4))])
            b.insert(contentsOf: chunk, at: at)
        case 8:  // splice the tail of another corpus entry
            let other = corpus[Int(rng.next() % UInt64(corpus.count))]
            let from = Int(rng.next() % UInt64(other.count))
            b = Array(b.prefix(pos(1))) + other[from...]
        default:
            if b.count >= 2 { b[2 % b.count] = UInt8(truncatingIfNeeded: rng.next()) }
        }
    }

    /// Runs every decoder and accessor on `b`; returns a problem description, or nil.
    static func probe(_ b: [UInt8]) -> (decoded: Bool, problem: String?) {
        _ = STUNMessage.isSTUN(b)
        _ = ChannelData.isChannelData(b)
        _ = ChannelData.streamFrameLength(header: b)
        if let cd = try? ChannelData(decoding: b) {
            // Padding may be partial or non-zero; the header and data must come back exactly.
            if cd.encode() != Array(b.prefix(4 + cd.data.count)) {
                return (false, "ChannelData re-encode differs: \(b.hexString)")
            }
        }
        guard let m = try? STUNMessage(decoding: b) else { return (false, nil) }
        if m.encode() != b { return (true, "STUN re-encode differs: \(b.hexString)") }
        _ = (m.mappedAddress, m.xorMappedAddress, m.xorPeerAddress, m.xorPeerAddresses, m.xorRelayedAddress)
        _ = (m.responseOrigin, m.otherAddress, m.alternateServer, m.username, m.realm, m.nonce, m.software)
        _ = (m.errorCode, m.unknownAttributes, m.priority, m.useCandidate, m.iceControlled, m.iceControlling)
        _ = (m.changeRequest, m.lifetime, m.data, m.requestedTransport, m.channelNumber, m.description)
        _ = m.xorMappedAddress?.description
        _ = m.hasValidMessageIntegrity(key: key)
        _ = try? m.verifyMessageIntegritySHA256(key: key)
        _ = m.hasValidFingerprint
        for a in m.attributes { _ = a.type.description }
        return (true, nil)
    }

    @Test func mutatedAndRandomInputsNeverTrap() {
        let iterations = Self.environment("RTC_FUZZ_ITERATIONS") ?? 50_000
        let seed = Self.environment("RTC_FUZZ_SEED") ?? 0x5EED_57C0
        var rng = SplitMix64(seed: seed)
        var decoded = 0
        var problems: [String] = []
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations {
            let (ok, problem) = Self.probe(Self.input(&rng))
            if ok { decoded += 1 }
            if let problem, problems.count < 5 { problems.append(problem) }
        }
        let elapsed = clock.now - start
        print("stun-fuzz: \(iterations) inputs, \(decoded) decoded, seed \(seed), \(elapsed)")
        #expect(problems.isEmpty, "\(problems)")
        // The mutator must reach past the header, or it tests nothing.
        #expect(decoded > Int(iterations / 50))
    }

    @Test func corpusDecodes() throws {
        for b in Self.corpus.prefix(5) {
            let m = try STUNMessage(decoding: b)
            #expect(m.encode() == b)
        }
        let rich = try STUNMessage(decoding: Self.corpus[4])
        try rich.verifyMessageIntegrity(key: Self.key)
        try rich.verifyMessageIntegritySHA256(key: Self.key)
        try rich.verifyFingerprint()
    }
}
