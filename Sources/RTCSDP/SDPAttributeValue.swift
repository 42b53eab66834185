/// A typed view of one attribute's value: parsed from the text after `name:` and serialized back.
///
/// `attributeValue` is the canonical form; when it differs from the text that was read (extra
/// spaces, a leading `+`), the JSON form keeps the original as `raw` so nothing changes on a
/// round trip.
protocol SDPAttributeValue: Codable, Equatable {
    /// Parses the text after `a=name:`.
    /// - Throws: `SDPValueError` naming what is wrong.
    init(attributeValue: String) throws
    /// The canonical text after `a=name:`.
    var attributeValue: String { get }
}

/// Splitting helpers shared by the SDP value parsers.
enum SDPText {
    /// Space-separated fields, ignoring runs of spaces.
    static func fields(_ s: Substring) -> [Substring] {
        s.split(separator: " ", omittingEmptySubsequences: true)
    }

    static func fields(_ s: String) -> [Substring] { fields(s[...]) }

    /// The first field and the text after the space that ends it (nil when there is none).
    static func head(_ s: Substring) -> (Substring, Substring?) {
        let trimmed = s.drop(while: { $0 == " " })
        guard let space = trimmed.firstIndex(of: " ") else { return (trimmed, nil) }
        return (trimmed[..<space], trimmed[trimmed.index(after: space)...])
    }

    /// A decimal integer, or an `SDPValueError` naming the field.
    static func int(_ s: Substring, _ what: String) throws -> Int {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(s) else {
            throw SDPValueError("invalid \(what) \"\(s.prefix(40))\"")
        }
        return v
    }

    /// A decimal integer within `range` (ports 0...65535 and the like), else an `SDPValueError`.
    static func int(_ s: Substring, _ what: String, in range: ClosedRange<Int>) throws -> Int {
        let v = try int(s, what)
        guard range.contains(v) else {
            throw SDPValueError("\(what) \(v) out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    /// Ports in SDP are 16-bit (RFC 8866 §5.14, RFC 8839 §5.1).
    static let ports = 0...65535

    static func uint64(_ s: Substring, _ what: String) throws -> UInt64 {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = UInt64(s) else {
            throw SDPValueError("invalid \(what) \"\(s.prefix(40))\"")
        }
        return v
    }

    static func isDigits(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
