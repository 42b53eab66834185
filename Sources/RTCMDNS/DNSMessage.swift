/// A DNS message (RFC 1035 §4.1) as mDNS uses it (RFC 6762 §18): header, questions and
/// resource records. A pure value: `parse` and `serialize`, no I/O.
public struct DNSMessage: Hashable, Sendable {
    /// Record types rtc asks for (RFC 1035 §3.2.2, RFC 3596 §2.1); others are kept as numbers.
    public enum RecordType {
        public static let a: UInt16 = 1
        public static let aaaa: UInt16 = 28
        public static let nsec: UInt16 = 47
    }

    /// Class IN (RFC 1035 §3.2.4).
    public static let classIN: UInt16 = 1
    /// Top bit of a question's class: "unicast response requested" (QU, RFC 6762 §5.4); of a
    /// record's class: "cache flush" (RFC 6762 §10.2).
    public static let classTopBit: UInt16 = 0x8000
    /// QR bit of the flags: the message is a response (RFC 1035 §4.1.1).
    public static let responseFlag: UInt16 = 0x8000
    /// AA bit: mDNS responses set it (RFC 6762 §18.4).
    public static let authoritativeFlag: UInt16 = 0x0400

    public struct Question: Hashable, Sendable {
        public var name: DNSName
        public var type: UInt16
        /// Class without the QU bit.
        public var recordClass: UInt16
        /// Asks for a unicast answer (QU, RFC 6762 §5.4).
        public var unicastResponse: Bool

        public init(name: DNSName, type: UInt16, recordClass: UInt16 = DNSMessage.classIN,
                    unicastResponse: Bool = false) {
            self.name = name
            self.type = type
            self.recordClass = recordClass
            self.unicastResponse = unicastResponse
        }
    }

    public struct Record: Hashable, Sendable {
        public var name: DNSName
        public var type: UInt16
        /// Class without the cache-flush bit.
        public var recordClass: UInt16
        public var cacheFlush: Bool
        public var ttl: UInt32
        /// RDATA as received; names inside it are not expanded (A/AAAA hold none).
        public var data: [UInt8]

        public init(name: DNSName, type: UInt16, recordClass: UInt16 = DNSMessage.classIN, cacheFlush: Bool = false,
                    ttl: UInt32, data: [UInt8]) {
            self.name = name
            self.type = type
            self.recordClass = recordClass
            self.cacheFlush = cacheFlush
            self.ttl = ttl
            self.data = data
        }

        /// An A (4 bytes) or AAAA (16 bytes) record of class IN as an IP; nil for anything else,
        /// including an A record whose RDATA has the wrong length.
        public var address: [UInt8]? {
            guard recordClass == DNSMessage.classIN else { return nil }
            switch type {
            case RecordType.a where data.count == 4: return data
            case RecordType.aaaa where data.count == 16: return data
            default: return nil
            }
        }
    }

    public var id: UInt16
    public var flags: UInt16
    public var questions: [Question]
    public var answers: [Record]
    public var authorities: [Record]
    public var additionals: [Record]

    public init(id: UInt16 = 0, flags: UInt16 = 0, questions: [Question] = [], answers: [Record] = [],
                authorities: [Record] = [], additionals: [Record] = []) {
        self.id = id
        self.flags = flags
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
    }

    public var isResponse: Bool { flags & Self.responseFlag != 0 }

    /// Answer and additional records together: mDNS responders may put the address in either
    /// (RFC 6762 §6: additional records are as good as answers to a cache).
    public var allRecords: [Record] { answers + authorities + additionals }
}
