import Testing
@testable import RTCCore
@testable import RTCMDNS

/// The DNS codec mDNS lookups use: round trips, real Chromium answers, and malformed messages
/// that must throw (saying where) rather than trap or loop.
@Suite struct DNSMessageTests {
    /// Chromium 156's answer to a QM question for its own candidate name (captured in a network
    /// namespace): A record with cache-flush, TTL 120, 10.251.7.2, and an NSEC saying "no AAAA".
    static let chromiumAnswer = [UInt8](hex: """
        0000840000000001000000012436313838323362342d656237332d343036322d383836652d63306466303634353062616405\
        6c6f63616c00000180010000007800040afb07022436313838323362342d656237332d343036322d383836652d633064663036\
        343530626164056c6f63616c00002f8001000000780005c046000140
        """)!
    /// Chromium's goodbye when the page closes: three names with TTL 0 (RFC 6762 §10.1).
    static let chromiumGoodbye = [UInt8](hex: """
        0000840000000003000000002439373732313665322d613635342d343837392d393035642d6433613066663535333230620\
        56c6f63616c00000180010000000000040afb07022462323166646330352d646466342d343431362d396230632d656331636\
        463316664323666056c6f63616c00001c8001000000000010000000000000000000000000000000002464633435306165312d\
        326161342d346533612d613033622d373164633862393930346164056c6f63616c000001800100000000000400000000
        """)!

    @Test func chromiumAnswerDecodes() throws {
        let m = try DNSMessage.parse(Self.chromiumAnswer)
        #expect(m.isResponse && m.flags & DNSMessage.authoritativeFlag != 0)
        #expect(m.id == 0 && m.questions.isEmpty && m.answers.count == 1 && m.additionals.count == 1)
        let a = m.answers[0]
        #expect(a.name == DNSName("618823b4-eb73-4062-886e-c0df06450bad.local")!)
        #expect(a.name.isLocal && a.type == DNSMessage.RecordType.a && a.cacheFlush && a.ttl == 120)
        #expect(a.address == [10, 251, 7, 2])
        #expect(m.additionals[0].type == DNSMessage.RecordType.nsec && m.additionals[0].address == nil)
        // Re-encoding gives the same bytes (Chromium does not compress names either).
        #expect(try m.serialize() == Self.chromiumAnswer)
    }

    @Test func chromiumGoodbyeDecodes() throws {
        let m = try DNSMessage.parse(Self.chromiumGoodbye)
        #expect(m.answers.count == 3 && m.answers.allSatisfy { $0.ttl == 0 })
        #expect(m.answers[1].type == DNSMessage.RecordType.aaaa && m.answers[1].address == [UInt8](repeating: 0, count: 16))
    }

    @Test func queryRoundTrip() throws {
        let name = DNSName("Host-1.LOCAL.")!
        let q = DNSMessage(id: 0x1234, questions: [
            DNSMessage.Question(name: name, type: DNSMessage.RecordType.a),
            DNSMessage.Question(name: name, type: DNSMessage.RecordType.aaaa, unicastResponse: true),
        ])
        let bytes = try q.serialize()
        // Header, then "\x06Host-1\x05LOCAL\x00" type 1 class 1, the same with type 28 class 0x8001.
        #expect(Array(bytes.prefix(12)) == [0x12, 0x34, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[12..<26]) == [6] + Array("Host-1".utf8) + [5] + Array("LOCAL".utf8) + [0])
        #expect(Array(bytes[26..<30]) == [0, 1, 0, 1])
        #expect(Array(bytes.suffix(4)) == [0, 28, 0x80, 0x01])
        let back = try DNSMessage.parse(bytes)
        #expect(back == q)
        #expect(back.questions[0].name == DNSName("host-1.local")!)  // case-insensitive
        #expect(!back.isResponse && back.questions[1].unicastResponse)
    }

    @Test func responseRoundTripWithEveryAddressKind() throws {
        let name = DNSName("a.local")!
        let v6: [UInt8] = [0xfd, 0] + [UInt8](repeating: 0, count: 13) + [1]
        let m = DNSMessage(flags: DNSMessage.responseFlag | DNSMessage.authoritativeFlag, answers: [
            DNSMessage.Record(name: name, type: DNSMessage.RecordType.a, cacheFlush: true, ttl: 120, data: [192, 168, 1, 2]),
        ], authorities: [
            DNSMessage.Record(name: name, type: 99, ttl: 1, data: []),
        ], additionals: [
            DNSMessage.Record(name: name, type: DNSMessage.RecordType.aaaa, ttl: 120, data: v6),
            DNSMessage.Record(name: name, type: DNSMessage.RecordType.a, ttl: 120, data: [1, 2, 3]),  // bad length
            DNSMessage.Record(name: name, type: DNSMessage.RecordType.a, recordClass: 3, ttl: 120, data: [1, 2, 3, 4]),
        ])
        let back = try DNSMessage.parse(try m.serialize())
        #expect(back == m)
        #expect(back.allRecords.map(\.address) == [[192, 168, 1, 2], nil, v6, nil, nil])
    }

    @Test func compressedNamesExpand() throws {
        // Answer 1 "x.local" at 12; answer 2 "y" + pointer to "local" (offset 14); answer 3 a
        // pointer to answer 2's name, which itself ends in a pointer.
        var w = ByteWriter()
        for v: UInt16 in [0, 0x8400, 0, 3, 0, 0] { w.write(v) }
        func rr(_ name: [UInt8]) {
            w.write(contentsOf: name)
            w.write(UInt16(1)); w.write(UInt16(1)); w.write(UInt32(60)); w.write(UInt16(4))
            w.write(contentsOf: [10, 0, 0, 1])
        }
        rr([1, 0x78, 5] + Array("local".utf8) + [0])
        let second = w.count
        rr([1, 0x79, 0xC0, 14])
        rr([0xC0, UInt8(second)])
        let m = try DNSMessage.parse(w.bytes)
        #expect(m.answers.map(\.name.description) == ["x.local", "y.local", "y.local"])
    }

    struct Malformed: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let error: DNSError
        var testDescription: String { name }
    }

    static func header(qd: UInt16 = 0, an: UInt16 = 0) -> [UInt8] {
        var w = ByteWriter()
        for v in [0, 0x8400, qd, an, 0, 0] as [UInt16] { w.write(v) }
        return w.bytes
    }

    static let aTail: [UInt8] = [0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]

    static let malformed: [Malformed] = [
        Malformed(name: "empty", bytes: [], error: .truncated(what: "header", offset: 0)),
        Malformed(name: "11-byte header", bytes: Array(header().prefix(11)), error: .truncated(what: "header", offset: 0)),
        Malformed(name: "count beyond the bytes", bytes: header(an: 0xFFFF) + [0] + aTail, error: .tooManyRecords(count: 0xFFFF)),
        Malformed(name: "name runs off the end", bytes: header(qd: 1) + [9, 0x61, 0x62, 0, 1, 0, 1],
                  error: .truncated(what: "label", offset: 12)),
        Malformed(name: "name without root byte", bytes: header(qd: 1) + [1, 0x61, 1, 0x62, 2],
                  error: .truncated(what: "label", offset: 16)),
        Malformed(name: "question without class", bytes: header(qd: 1) + [1, 0x61, 0, 0, 1],
                  error: .truncated(what: "question", offset: 12)),
        Malformed(name: "pointer to itself", bytes: header(an: 1) + [0xC0, 12] + aTail, error: .badPointer(offset: 12)),
        Malformed(name: "forward pointer", bytes: header(an: 1) + [0xC0, 14] + aTail, error: .badPointer(offset: 12)),
        Malformed(name: "pointer loop through an earlier name",
                  bytes: header(an: 2) + [1, 0x61, 0xC0, 30] + aTail + [0xC0, 12] + aTail, error: .badPointer(offset: 14)),
        Malformed(name: "pointer cut in half", bytes: header(an: 1) + [1, 0x61, 0xC0],
                  error: .tooManyRecords(count: 1)),
        Malformed(name: "half pointer at the very end", bytes: header(an: 1) + [10] + [UInt8](repeating: 0x61, count: 10) + [0xC0],
                  error: .truncated(what: "pointer", offset: 23)),
        Malformed(name: "label type 01", bytes: header(an: 1) + [0x41, 0x61] + aTail, error: .badLabelType(offset: 12)),
        Malformed(name: "label type 10", bytes: header(an: 1) + [0x81, 0x61] + aTail, error: .badLabelType(offset: 12)),
        Malformed(name: "name above 255 bytes",
                  bytes: header(qd: 1) + [UInt8](repeating: 0, count: 0).withLabels(5) + [0, 0, 1, 0, 1],
                  error: .nameTooLong(offset: 12 + 3 * 64)),
        Malformed(name: "RDATA past the end", bytes: header(an: 1) + [0] + Array(aTail.dropLast(2)),
                  error: .truncated(what: "record", offset: 12)),
        Malformed(name: "second record truncated", bytes: header(an: 2) + [0] + aTail + [0] + Array(aTail.prefix(10)) + [0],
                  error: .truncated(what: "record", offset: 27)),
    ]

    @Test(arguments: malformed)
    func malformedThrows(_ c: Malformed) {
        #expect(throws: c.error) { try DNSMessage.parse(c.bytes) }
    }

    /// Every prefix and a spread of single-byte corruptions of real messages: decoding may fail
    /// but never traps, and whatever decodes re-encodes.
    @Test func corruptedMessagesNeverTrap() throws {
        var rng = SplitMix64(seed: 7)
        for base in [Self.chromiumAnswer, Self.chromiumGoodbye] {
            for n in 0..<base.count { _ = try? DNSMessage.parse(Array(base.prefix(n))) }
            for _ in 0..<3000 {
                var b = base
                for _ in 0...(rng.next() % 3) { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                if let m = try? DNSMessage.parse(b) { _ = try m.serialize() }
            }
        }
    }

    @Test func names() {
        #expect(DNSName("") == nil && DNSName(".") == nil && DNSName("a..local") == nil)
        #expect(DNSName(String(repeating: "a", count: 64) + ".local") == nil)
        #expect(DNSName(String(repeating: "a", count: 63) + ".local") != nil)
        #expect(DNSName([String](repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")) == nil)
        #expect(DNSName("x.local")!.isLocal && DNSName("x.LOCAL.")!.isLocal)
        #expect(!DNSName("local.example")!.isLocal && !DNSName("127.0.0.1")!.isLocal)
    }
}

private extension Array where Element == UInt8 {
    /// `count` labels of 63 × "a" (each 64 bytes on the wire), appended.
    func withLabels(_ count: Int) -> [UInt8] {
        var out = self
        for _ in 0..<count { out += [63] + [UInt8](repeating: 0x61, count: 63) }
        return out
    }
}

