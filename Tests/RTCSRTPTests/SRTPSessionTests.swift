import Testing
@testable import RTCCore
@testable import RTCCrypto
@testable import RTCDTLS
@testable import RTCSRTP

/// Two sessions with crossed keys, as the two ends of one DTLS association have.
struct SRTPSessionPair {
    let a: SRTPSession
    let b: SRTPSession

    init(_ profile: SRTPProtectionProfile, replayWindow: Int = SRTPSession.defaultReplayWindow,
         retransmitWindow: Int = SRTPSession.defaultRetransmitWindow) throws {
        let n = profile.keyLength + profile.saltLength
        let k1 = (0..<n).map { UInt8($0) }, k2 = (0..<n).map { UInt8(0xff - $0) }
        a = try SRTPSession(profile: profile, localMasterKey: k1, remoteMasterKey: k2,
                            replayWindow: replayWindow, retransmitWindow: retransmitWindow)
        b = try SRTPSession(profile: profile, localMasterKey: k2, remoteMasterKey: k1,
                            replayWindow: replayWindow, retransmitWindow: retransmitWindow)
    }
}

/// An RTP packet: V=2, PT 96, the given sequence number, SSRC, and `size` bytes in all.
func srpRTP(seq: UInt16, ssrc: UInt32 = 0x1234_5678, size: Int = 200) -> [UInt8] {
    var p = [0x80, 96, UInt8(seq >> 8), UInt8(seq & 0xff), 0, 0, 0x10, 0]
        + SRTPReference.bytes32(ssrc)
    p += (0..<(size - 12)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seq)) }
    return p
}

/// An RTCP receiver report with one report block (RFC 3550 §6.4.2).
func srpRTCP(ssrc: UInt32 = 0x1234_5678) -> [UInt8] {
    [0x81, 201, 0, 7] + SRTPReference.bytes32(ssrc) + SRTPReference.bytes32(0xabcd_ef01)
        + [UInt8](repeating: 0x5a, count: 20)
}

@Suite struct SRTPSessionTests {
    static let profiles: [SRTPProtectionProfile] = SRTPProtectionProfile.allCases

    @Test(arguments: profiles)
    func roundTripBothWays(profile: SRTPProtectionProfile) throws {
        let pair = try SRTPSessionPair(profile)
        for seq: UInt16 in 1...50 {
            let rtp = srpRTP(seq: seq, size: 12 + Int(seq) * 20)
            let srtp = try #require(pair.a.protectRTP(rtp))
            #expect(srtp.count == rtp.count + SRTPPacketCheck.tagLength(profile, rtcp: false))
            #expect(srtp[12...] != rtp[12...] + [UInt8](repeating: 0, count: srtp.count - rtp.count))
            #expect(pair.b.unprotectRTP(srtp) == rtp)
            let back = srpRTP(seq: seq, ssrc: 0x9999)
            #expect(pair.a.unprotectRTP(try #require(pair.b.protectRTP(back))) == back)
        }
        let rtcp = srpRTCP()
        for _ in 0..<3 {
            let srtcp = try #require(pair.b.protectRTCP(rtcp))
            #expect(srtcp.count == rtcp.count + 4 + SRTPPacketCheck.tagLength(profile, rtcp: true))
            #expect(pair.a.unprotectRTCP(srtcp) == rtcp)
        }
        #expect(pair.a.statistics == SRTPStatistics(protected: 50, unprotected: 53))
        #expect(pair.b.statistics == SRTPStatistics(protected: 53, unprotected: 50))
        #expect(pair.a.rtcpStatistics == SRTPStatistics(unprotected: 3))
        #expect(pair.b.rtpStatistics == SRTPStatistics(protected: 50, unprotected: 50))
    }

    /// A session cannot read its own packets: the inbound side uses the peer's key.
    @Test func ownPacketsFailAuthentication() throws {
        let pair = try SRTPSessionPair(.aeadAes128Gcm)
        let srtp = try #require(pair.a.protectRTP(srpRTP(seq: 1)))
        #expect(pair.a.unprotectRTP(srtp) == nil)
        #expect(pair.a.statistics.authenticationFailures == 1)
    }

    @Test(arguments: [SRTPProtectionProfile.aes128CmHmacSha1_80, .aeadAes128Gcm])
    func tamperedPacketsAreDroppedAndCounted(profile: SRTPProtectionProfile) throws {
        let pair = try SRTPSessionPair(profile)
        let tag = SRTPPacketCheck.tagLength(profile, rtcp: false)
        var flips: [(String, Int)] = [("payload", 40), ("tag", -1), ("tag start", -tag), ("header", 1)]
        flips.append(("ssrc", 11))
        var seq: UInt16 = 100
        for (what, at) in flips {
            seq += 1
            let srtp = try #require(pair.a.protectRTP(srpRTP(seq: seq)))
            var bad = srtp
            bad[at < 0 ? bad.count + at : at] ^= 0x01
            #expect(pair.b.unprotectRTP(bad) == nil, "bit flipped in \(what)")
            // The tampered copy did not consume the index: the genuine packet still passes.
            #expect(pair.b.unprotectRTP(srtp) != nil, "genuine after \(what)")
        }
        let srtcp = try #require(pair.a.protectRTCP(srpRTCP()))
        for at in [9, srtcp.count - 1] {
            var bad = srtcp
            bad[at] ^= 0x80
            #expect(pair.b.unprotectRTCP(bad) == nil)
        }
        #expect(pair.b.statistics == SRTPStatistics(unprotected: flips.count, authenticationFailures: flips.count + 2))
    }

    @Test(arguments: [SRTPProtectionProfile.aes128CmHmacSha1_80, .aeadAes128Gcm])
    func replaysAreDroppedAndCounted(profile: SRTPProtectionProfile) throws {
        let pair = try SRTPSessionPair(profile)
        let first = try #require(pair.a.protectRTP(srpRTP(seq: 1)))
        let second = try #require(pair.a.protectRTP(srpRTP(seq: 2)))
        #expect(pair.b.unprotectRTP(first) != nil)
        #expect(pair.b.unprotectRTP(second) != nil)
        #expect(pair.b.unprotectRTP(first) == nil)
        #expect(pair.b.unprotectRTP(second) == nil)
        let srtcp = try #require(pair.a.protectRTCP(srpRTCP()))
        #expect(pair.b.unprotectRTCP(srtcp) != nil)
        #expect(pair.b.unprotectRTCP(srtcp) == nil)
        #expect(pair.b.statistics == SRTPStatistics(unprotected: 3, replayDrops: 3))
    }

    /// Reordered packets inside the window pass; one older than the window is a replay drop.
    @Test func replayWindowBoundsReordering() throws {
        let pair = try SRTPSessionPair(.aeadAes128Gcm, replayWindow: 1024)
        let packets = try (0..<1100).map { try #require(pair.a.protectRTP(srpRTP(seq: UInt16($0), size: 40))) }
        #expect(pair.b.unprotectRTP(packets[1099]) != nil)
        #expect(pair.b.unprotectRTP(packets[1099 - 1000]) != nil)  // 1,000 behind: inside
        #expect(pair.b.unprotectRTP(packets[10]) == nil)  // 1,089 behind: outside
        #expect(pair.b.statistics == SRTPStatistics(unprotected: 2, replayDrops: 1))
    }

    /// NACK retransmission without RTX re-protects the same packet: libsrtp allows it (allow_repeat_tx),
    /// the bytes are identical, and a receiver that lost the original accepts it.
    @Test(arguments: [SRTPProtectionProfile.aes128CmHmacSha1_80, .aeadAes128Gcm])
    func retransmissionReprotectsTheSameIndex(profile: SRTPProtectionProfile) throws {
        let pair = try SRTPSessionPair(profile, retransmitWindow: 1024)
        let lost = srpRTP(seq: 5)
        let original = try #require(pair.a.protectRTP(lost))
        for seq: UInt16 in 6...300 { _ = try #require(pair.a.protectRTP(srpRTP(seq: seq))) }
        let again = try #require(pair.a.protectRTP(lost))
        #expect(again == original)
        #expect(pair.b.unprotectRTP(again) == lost)
        // Older than the outbound window: libsrtp refuses, counted.
        for seq: UInt16 in 301...1100 { _ = pair.a.protectRTP(srpRTP(seq: seq)) }
        #expect(pair.a.protectRTP(lost) == nil)
        #expect(pair.a.statistics.otherErrors == 1)
    }

    /// The rollover counter follows the sequence number through 65535 → 0 (RFC 3711 §3.3.1):
    /// after the wrap libsrtp's packets equal the reference's with ROC 1.
    @Test(arguments: [SRTPProtectionProfile.aes128CmHmacSha1_80, .aeadAes128Gcm])
    func sequenceNumberRollover(profile: SRTPProtectionProfile) throws {
        let pair = try SRTPSessionPair(profile)
        let master = (0..<(profile.keyLength + profile.saltLength)).map { UInt8($0) }  // pair.a's local key
        let keys = SRTPReference.Keys(profile: profile, masterKey: Array(master[..<profile.keyLength]),
                                      masterSalt: Array(master[profile.keyLength...]), rtcp: false)
        for i in 0..<40 {
            let seq = UInt16(truncatingIfNeeded: 65_520 + i)
            let rtp = srpRTP(seq: seq, size: 60)
            let srtp = try #require(pair.a.protectRTP(rtp))
            let roc: UInt32 = i < 16 ? 0 : 1
            let expected = profile == .aeadAes128Gcm
                ? SRTPReference.protectRTP(gcm: keys, rtp, roc: roc) : SRTPReference.protectRTP(cm: keys, rtp, roc: roc)
            #expect(srtp == expected, "seq \(seq)")
            #expect(pair.b.unprotectRTP(srtp) == rtp, "seq \(seq)")
        }
        #expect(pair.b.statistics == SRTPStatistics(unprotected: 40))
    }

    /// Garbage of every short length and random content: nil, counted, no crash.
    @Test(arguments: SRTPProtectionProfile.allCases)
    func garbageNeverCrashes(profile: SRTPProtectionProfile) throws {
        let pair = try SRTPSessionPair(profile)
        var rng = SplitMix64(seed: 14)
        var calls = 0, accepted = 0
        for length in 0..<80 {
            for _ in 0..<20 {
                var p = SecureRandom.bytes(length, using: &rng)
                if length > 0, Bool.random(using: &rng) { p[0] = 0x80 | (p[0] & 0x3f) }  // version 2
                calls += 4
                if pair.b.unprotectRTP(p) != nil { accepted += 1 }
                if pair.b.unprotectRTCP(p) != nil { accepted += 1 }
                _ = pair.a.protectRTP(p)
                _ = pair.a.protectRTCP(p)
            }
        }
        #expect(accepted == 0)
        let stats = pair.a.statistics + pair.b.statistics
        #expect(stats.protected + stats.unprotected + stats.authenticationFailures + stats.replayDrops
            + stats.otherErrors == calls)
        // Headers that claim more than the packet holds.
        let lies: [[UInt8]] = [
            [0x8f, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 40),  // 15 CSRCs
            [0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff] + [UInt8](repeating: 0, count: 40),
        ]
        for p in lies {
            #expect(pair.a.protectRTP(p) == nil)
            #expect(pair.b.unprotectRTP(p) == nil)
        }
        #expect(pair.a.protectRTP([UInt8](repeating: 0x80, count: 70_000)) == nil)
    }

    @Test func wrongKeyLengthThrows() {
        #expect(throws: SRTPError.badMasterKeyLength(profile: .aeadAes128Gcm, expected: 28, got: 30)) {
            try SRTPSession(profile: .aeadAes128Gcm, localMasterKey: [UInt8](repeating: 1, count: 30),
                            remoteMasterKey: [UInt8](repeating: 1, count: 28))
        }
        #expect("\(SRTPError.badMasterKeyLength(profile: .aeadAes128Gcm, expected: 28, got: 30))"
            == "SRTP: SRTP_AEAD_AES_128_GCM needs a 28-byte master key and salt, got 30")
    }

    /// The borrowing and in-place variants give the same bytes as the copying ones.
    @Test(arguments: [SRTPProtectionProfile.aes128CmHmacSha1_80, .aeadAes128Gcm])
    func borrowingAndInPlaceVariants(profile: SRTPProtectionProfile) throws {
        let p1 = try SRTPSessionPair(profile), p2 = try SRTPSessionPair(profile)
        for (seq, size) in [(1, 1200), (2, 3000), (3, 100)] {  // 3000 grows the scratch buffer
            let rtp = srpRTP(seq: UInt16(seq), size: size)
            let copied = try #require(p1.a.protectRTP(rtp))
            let lent: [UInt8]? = rtp.withUnsafeBytes { bytes in p2.a.protectRTP(bytes: bytes) { Array($0) } }
            #expect(lent == copied)
            var buffer = copied
            let length = buffer.withUnsafeMutableBytes { p2.b.unprotectRTP(inPlace: $0) }
            #expect(length == rtp.count)
            #expect(Array(buffer[..<rtp.count]) == rtp)
        }
        let rtcp = srpRTCP()
        let copied = try #require(p1.a.protectRTCP(rtcp))
        let lent: [UInt8]? = rtcp.withUnsafeBytes { bytes in p2.a.protectRTCP(bytes: bytes) { Array($0) } }
        #expect(lent == copied)
        var buffer = copied
        #expect(buffer.withUnsafeMutableBytes { p2.b.unprotectRTCP(inPlace: $0) } == rtcp.count)
        var called = false
        [UInt8](repeating: 0, count: 5).withUnsafeBytes { bytes in
            p2.a.protectRTP(bytes: bytes) { _ in called = true }
        }
        #expect(!called)
        #expect(p2.a.statistics.otherErrors == 1)
    }

    /// Many SSRCs on one session (bundled audio and video, RTX): each gets its own stream.
    @Test func manySSRCsShareOneSession() throws {
        let pair = try SRTPSessionPair(.aeadAes128Gcm)
        for ssrc: UInt32 in 1...20 {
            for seq: UInt16 in 1...3 {
                let rtp = srpRTP(seq: seq, ssrc: ssrc)
                #expect(pair.b.unprotectRTP(try #require(pair.a.protectRTP(rtp))) == rtp)
            }
        }
        #expect(pair.b.statistics.unprotected == 60)
    }
}
