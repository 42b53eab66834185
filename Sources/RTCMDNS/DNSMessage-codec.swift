import RTCCore

extension DNSMessage {
    /// Header bytes (RFC 1035 §4.1.1).
    static let headerLength = 12
    /// Smallest question: root name (1) + type + class; smallest record adds TTL + RDLENGTH.
    private static let minQuestionLength = 5
    private static let minRecordLength = 11

    /// Decodes a message. Every count is checked against the bytes left before anything is
    /// allocated, names are bounded (see `DNSName.read`), and bytes after the last record are
    /// ignored (RFC 6762 §18 allows no trailing data, but ignoring it costs nothing).
    /// - Throws: `DNSError` naming the byte offset where decoding failed.
    public static func parse(_ bytes: [UInt8]) throws -> DNSMessage {
        var r = ByteReader(bytes)
        guard let id = r.readUInt16(), let flags = r.readUInt16(), let qd = r.readUInt16(), let an = r.readUInt16(),
              let ns = r.readUInt16(), let ar = r.readUInt16()
        else { throw DNSError.truncated(what: "header", offset: 0) }
        let claimed = Int(qd) * minQuestionLength + (Int(an) + Int(ns) + Int(ar)) * minRecordLength
        guard claimed <= r.remaining else { throw DNSError.tooManyRecords(count: Int(qd) + Int(an) + Int(ns) + Int(ar)) }
        var message = DNSMessage(id: id, flags: flags)
        for _ in 0..<qd { message.questions.append(try readQuestion(&r)) }
        for _ in 0..<an { message.answers.append(try readRecord(&r)) }
        for _ in 0..<ns { message.authorities.append(try readRecord(&r)) }
        for _ in 0..<ar { message.additionals.append(try readRecord(&r)) }
        return message
    }

    private static func readQuestion(_ r: inout ByteReader) throws -> Question {
        let start = r.offset
        let name = try DNSName.read(from: &r)
        guard let type = r.readUInt16(), let cls = r.readUInt16() else {
            throw DNSError.truncated(what: "question", offset: start)
        }
        return Question(name: name, type: type, recordClass: cls & ~classTopBit, unicastResponse: cls & classTopBit != 0)
    }

    private static func readRecord(_ r: inout ByteReader) throws -> Record {
        let start = r.offset
        let name = try DNSName.read(from: &r)
        guard let type = r.readUInt16(), let cls = r.readUInt16(), let ttl = r.readUInt32(), let length = r.readUInt16(),
              let data = r.readBytes(Int(length))
        else { throw DNSError.truncated(what: "record", offset: start) }
        return Record(name: name, type: type, recordClass: cls & ~classTopBit, cacheFlush: cls & classTopBit != 0,
                      ttl: ttl, data: data)
    }

    /// Encodes the message without name compression (RFC 6762 §18.14 allows either).
    /// - Throws: `DNSError.tooManyRecords` above 65,535 entries in a section,
    ///   `DNSError.badLabel` for RDATA above 65,535 bytes.
    public func serialize() throws -> [UInt8] {
        var w = ByteWriter(capacity: 512)
        w.write(id)
        w.write(flags)
        for section in [questions.count, answers.count, authorities.count, additionals.count] {
            guard section <= Int(UInt16.max) else { throw DNSError.tooManyRecords(count: section) }
            w.write(UInt16(section))
        }
        for q in questions {
            q.name.write(to: &w)
            w.write(q.type)
            w.write(q.recordClass & ~Self.classTopBit | (q.unicastResponse ? Self.classTopBit : 0))
        }
        for rec in answers + authorities + additionals {
            guard rec.data.count <= Int(UInt16.max) else { throw DNSError.badLabel("RDATA of \(rec.data.count) bytes") }
            rec.name.write(to: &w)
            w.write(rec.type)
            w.write(rec.recordClass & ~Self.classTopBit | (rec.cacheFlush ? Self.classTopBit : 0))
            w.write(rec.ttl)
            w.write(UInt16(rec.data.count))
            w.write(contentsOf: rec.data)
        }
        return w.bytes
    }
}
