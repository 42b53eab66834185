import Testing
@testable import RTCCore
@testable import RTCDTLS
@testable import RTCSCTP
import RTCTestSupport

extension USRSCTPSuites {
    /// Issue 15: only authenticated traffic changes a session. Records forged with the peer's
    /// address (here: put on the in-memory link as if they came from the peer) of every content
    /// type x epoch x length class reach a DTLS + SCTP stack while messages flow both ways.
    @Suite struct DTLSForgedRecordTests {
        static let types: [UInt8] = [20, 21, 22, 23, 0x18, 0x19, 0x2f, 0x3f]  // 20-63 is DTLS (RFC 7983)
        static let epochs: [UInt16] = [0, 1, 2, 0xFFFF]
        enum LengthClass: CaseIterable { case zero, short, tag, normal, oversize, pastEnd }

        /// What must happen to a forged record after the handshake (GCM suite), worked out from
        /// the rules in the issue rather than from `DTLSRecordFilter` itself.
        enum Fate { case malformed, wrongEpoch, badLength, unauthenticated, toOpenSSL }

        struct Forged {
            var bytes: [UInt8]
            var fate: Fate
        }

        static func forged(type: UInt8, epoch: UInt16, length: LengthClass, version: UInt16, minimum: Int,
                           rng: inout SplitMix64) -> Forged {
            let n: Int
            switch length {
            case .zero: n = 0
            case .short: n = 1 + Int(rng.next() % 23)
            case .tag: n = 24 + Int(rng.next() % 17)
            case .normal: n = 41 + Int(rng.next() % 1100)
            case .oversize: n = DTLSRecordFilter.maximumCiphertext + 1 + Int(rng.next() % 1000)
            case .pastEnd: n = 10 + Int(rng.next() % 100)
            }
            let field = length == .pastEnd ? n + 1 + Int(rng.next() % 50) : n
            // Sequence numbers near the live ones and far ahead, so the replay window is no help.
            let seq = rng.next() % 2 == 0 ? rng.next() % 4096 : rng.next() & 0xFFFF_FFFF_FFFF
            var bytes: [UInt8] = [type, UInt8(version >> 8), UInt8(version & 0xff), UInt8(epoch >> 8), UInt8(epoch & 0xff)]
            for shift in stride(from: 40, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seq >> UInt64(shift))) }
            bytes += [UInt8(field >> 8 & 0xff), UInt8(field & 0xff)]
            bytes += (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }

            let fate: Fate
            if version != 0xfefd && version != 0xfeff || !(20...23).contains(type) || n == 0 || length == .pastEnd {
                fate = .malformed
            } else if epoch != 1 || type == 20 {
                fate = .wrongEpoch  // nothing in epoch 0 is authenticated; CCS never comes in epoch 1
            } else if n < minimum || n > DTLSRecordFilter.maximumCiphertext {
                fate = .badLength   // shorter than the explicit nonce + tag, longer than RFC 5246 allows
            } else {
                fate = type == DTLSRecord.applicationData ? .unauthenticated : .toOpenSSL
            }
            return Forged(bytes: bytes, fate: fate)
        }

        /// Every forged record, in a fixed order, each to both ends.
        static func allForged(minimum: Int) -> [Forged] {
            var rng = SplitMix64(seed: 15)
            var out: [Forged] = []
            for version: UInt16 in [0xfefd, 0xfeff, 0x0303] {
                for type in types {
                    for epoch in epochs {
                        for length in LengthClass.allCases {
                            out.append(forged(type: type, epoch: epoch, length: length, version: version,
                                              minimum: minimum, rng: &rng))
                        }
                    }
                }
            }
            return out
        }

        /// The ciphers we offer, with the smallest body each produces: AES-GCM 8-byte explicit
        /// nonce + 16-byte tag (RFC 5288), ChaCha20-Poly1305 16-byte tag (RFC 7905).
        @Test(arguments: [("ECDHE-ECDSA-AES128-GCM-SHA256", 24), ("ECDHE-ECDSA-CHACHA20-POLY1305", 16)])
        func forgedRecordsOfEveryKindNeitherEndTheSessionNorLoseAMessage(cipher: String, minimum: Int) throws {
            let loop = ManualEventLoop()
            let pair = try DTLSPair(loop: loop) { $0.cipherList = cipher }
            let a = SCTPAssociation(loop: loop, lower: pair.client, config: SCTPConfiguration())
            let b = SCTPAssociation(loop: loop, lower: pair.server, config: SCTPConfiguration())
            defer {
                a.abort()
                b.abort()
                loop.run()
            }
            var atA: [[UInt8]] = [], atB: [[UInt8]] = []
            a.onMessage = { atA.append($0.payload) }
            b.onMessage = { atB.append($0.payload) }
            pair.start()
            loop.run()
            #expect(pair.bothConnected && pair.client.negotiatedCipher == cipher)
            try a.start()
            try b.start()
            #expect(loop.advance(until: { a.state == .connected && b.state == .connected }, limit: .seconds(10)))

            let forged = Self.allForged(minimum: minimum)
            var expected = DTLSRecordFilter.Counters()
            var toOpenSSL = 0
            var sent = 0
            for (i, f) in forged.enumerated() {
                // Traffic both ways between the forged records, and forged records both ways.
                try a.send(Array("a\(i)".utf8), stream: 1, ppid: 51)
                try b.send(Array("b\(i)".utf8), stream: 1, ppid: 51)
                sent += 1
                pair.link.a.send(f.bytes)  // to the server, as if from the client
                pair.link.b.send(f.bytes)  // to the client, as if from the server
                switch f.fate {
                case .malformed: expected.malformed += 2
                case .wrongEpoch: expected.wrongEpoch += 2
                case .badLength: expected.badLength += 2
                case .unauthenticated: expected.unauthenticated += 2
                case .toOpenSSL: toOpenSSL += 2
                }
                if i % 8 == 7 { loop.advance(by: .milliseconds(1)) }
            }
            #expect(loop.advance(until: { atA.count == sent && atB.count == sent }, limit: .seconds(10)))
            #expect(pair.bothConnected && a.state == .connected && b.state == .connected)
            #expect(atB == (0..<sent).map { Array("a\($0)".utf8) })
            #expect(atA == (0..<sent).map { Array("b\($0)".utf8) })
            // Each end dropped and counted its share; encrypted alerts and handshake records of a
            // plausible length go to OpenSSL, which discards them silently (bad tag).
            let total = DTLSRecordFilter.Counters(
                malformed: pair.client.droppedRecords.malformed + pair.server.droppedRecords.malformed,
                wrongEpoch: pair.client.droppedRecords.wrongEpoch + pair.server.droppedRecords.wrongEpoch,
                badLength: pair.client.droppedRecords.badLength + pair.server.droppedRecords.badLength,
                unauthenticated: pair.client.droppedRecords.unauthenticated + pair.server.droppedRecords.unauthenticated)
            #expect(total == expected)
            #expect(expected.malformed > 0 && expected.wrongEpoch > 0 && expected.badLength > 0
                && expected.unauthenticated > 0 && toOpenSSL > 0)
            #expect(total.total + toOpenSSL == 2 * forged.count)
        }
    }
}
