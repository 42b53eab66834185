import FoundationEssentials

/// Encodes an `Encodable` value as one line of JSON with keys sorted and `/` unescaped: the text
/// Foundation's `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes, in a fraction
/// of its memory.
///
/// Foundation's encoder held about 60 bytes per byte of SDP with short lines (a 17 MB, 1M-line
/// description: 0.8 GB) in its tree of values; this one keeps small enum nodes and writes once.
/// Doubles, which are rare here, go through Foundation so their text stays identical.
public struct CompactJSONEncoder {
    public init() {}

    /// - Throws: whatever `value.encode(to:)` throws; `EncodingError` for a non-finite double.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let slot = JSONSlot()
        try value.encode(to: JSONTreeEncoder(slot: slot, codingPath: []))
        var out: [UInt8] = []
        try JSONTreeWriter.write(slot.node ?? .object(JSONObjectBox()), into: &out)
        return out
    }
}

/// A value in the tree; containers are boxes because Codable fills them after handing them out.
enum JSONNode {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array(JSONArrayBox)
    case object(JSONObjectBox)
    /// The value of a `superEncoder`, filled in later.
    case deferred(JSONSlot)
}

final class JSONArrayBox { var items: [JSONNode] = [] }
final class JSONObjectBox { var items: [(String, JSONNode)] = [] }
final class JSONSlot { var node: JSONNode? }

private struct JSONTreeEncoder: Encoder {
    let slot: JSONSlot
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        // Asking twice (a typed value, then its `raw` key) must add to the same object.
        if case let .object(box)? = slot.node { return KeyedEncodingContainer(Keyed(box: box, codingPath: codingPath)) }
        let box = JSONObjectBox()
        slot.node = .object(box)
        return KeyedEncodingContainer(Keyed(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if case let .array(box)? = slot.node { return Unkeyed(box: box, codingPath: codingPath) }
        let box = JSONArrayBox()
        slot.node = .array(box)
        return Unkeyed(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { Single(encoder: self) }

    /// Encodes `value` on its own and returns its node (a deferred slot when it left it empty).
    static func node<T: Encodable>(_ value: T, codingPath: [CodingKey]) throws -> JSONNode {
        if let s = value as? String { return .string(s) }
        let slot = JSONSlot()
        try value.encode(to: JSONTreeEncoder(slot: slot, codingPath: codingPath))
        return slot.node ?? .object(JSONObjectBox())
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: JSONObjectBox
        let codingPath: [CodingKey]

        private func put(_ key: Key, _ node: JSONNode) { box.items.append((key.stringValue, node)) }

        mutating func encodeNil(forKey key: Key) throws { put(key, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(key, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(key, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(key, .double(value)) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(key, .double(Double(value))) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(key, .int(value)) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(key, .uint(UInt64(value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(key, .uint(UInt64(value))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(key, .uint(UInt64(value))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(key, .uint(UInt64(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(key, .uint(value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            put(key, try JSONTreeEncoder.node(value, codingPath: codingPath))  // paths are for errors; none here
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                            forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let nested = JSONObjectBox()
            put(key, .object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(box: nested, codingPath: codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            let nested = JSONArrayBox()
            put(key, .array(nested))
            return Unkeyed(box: nested, codingPath: codingPath + [key])
        }

        mutating func superEncoder() -> Encoder { superEncoder(key: "super") }
        mutating func superEncoder(forKey key: Key) -> Encoder { superEncoder(key: key.stringValue) }

        private func superEncoder(key: String) -> Encoder {
            let slot = JSONSlot()
            box.items.append((key, .deferred(slot)))
            return JSONTreeEncoder(slot: slot, codingPath: codingPath)
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer, JSONNodeSink {
        let box: JSONArrayBox
        let codingPath: [CodingKey]
        var count: Int { box.items.count }

        func put(_ node: JSONNode) { box.items.append(node) }

        mutating func encode<T: Encodable>(_ value: T) throws { put(try JSONTreeEncoder.node(value, codingPath: codingPath)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
            -> KeyedEncodingContainer<NestedKey> {
            let nested = JSONObjectBox()
            put(.object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(box: nested, codingPath: codingPath))
        }

        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
            let nested = JSONArrayBox()
            put(.array(nested))
            return Unkeyed(box: nested, codingPath: codingPath)
        }

        mutating func superEncoder() -> Encoder {
            let slot = JSONSlot()
            put(.deferred(slot))
            return JSONTreeEncoder(slot: slot, codingPath: codingPath)
        }
    }

    struct Single: SingleValueEncodingContainer, JSONNodeSink {
        let encoder: JSONTreeEncoder
        var codingPath: [CodingKey] { encoder.codingPath }

        func put(_ node: JSONNode) { encoder.slot.node = node }

        mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: encoder) }
    }
}

/// Writes the tree: object keys sorted byte-wise (as Foundation's `.sortedKeys` orders them),
/// a repeated key keeping its last value, strings escaped as Foundation escapes them.
enum JSONTreeWriter {
    static func write(_ node: JSONNode, into out: inout [UInt8]) throws {
        switch node {
        case .null: out += "null".utf8
        case let .bool(b): out += (b ? "true" : "false").utf8
        case let .int(i): out += String(i).utf8
        case let .uint(u): out += String(u).utf8
        case let .double(d):
            guard d.isFinite else {
                throw EncodingError.invalidValue(d, .init(codingPath: [], debugDescription: "non-finite number"))
            }
            out += try JSONEncoder().encode(d)
        case let .string(s): writeString(s, into: &out)
        case let .array(box):
            out.append(UInt8(ascii: "["))
            for (i, item) in box.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(box):
            let items = box.items
            if zip(items, items.dropFirst()).allSatisfy({ $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
                // Already in order without repeats (single-key objects, mostly): no sort.
                out.append(UInt8(ascii: "{"))
                for (i, (key, value)) in items.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    writeString(key, into: &out)
                    out.append(UInt8(ascii: ":"))
                    try write(value, into: &out)
                }
                out.append(UInt8(ascii: "}"))
                return
            }
            // Stable sort, then the last of equal keys wins (a keyed container replaces).
            let sorted = box.items.enumerated().sorted { a, b in
                a.element.0 == b.element.0 ? a.offset < b.offset
                    : a.element.0.utf8.lexicographicallyPrecedes(b.element.0.utf8)
            }
            out.append(UInt8(ascii: "{"))
            var first = true
            for (i, entry) in sorted.enumerated() {
                if i + 1 < sorted.count, sorted[i + 1].element.0 == entry.element.0 { continue }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                writeString(entry.element.0, into: &out)
                out.append(UInt8(ascii: ":"))
                try write(entry.element.1, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let .deferred(slot):
            try write(slot.node ?? .object(JSONObjectBox()), into: &out)
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x0A: out += #"\n"#.utf8
            case 0x0D: out += #"\r"#.utf8
            case 0x09: out += #"\t"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case 0..<0x20:
                out += #"\u00"#.utf8
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// The primitive encodes an unkeyed and a single-value container share: each value becomes one
/// node, and `put` says where it goes.
private protocol JSONNodeSink {
    func put(_ node: JSONNode)
}

extension JSONNodeSink {
    func encodeNil() throws { put(.null) }
    func encode(_ value: Bool) throws { put(.bool(value)) }
    func encode(_ value: String) throws { put(.string(value)) }
    func encode(_ value: Double) throws { put(.double(value)) }
    func encode(_ value: Float) throws { put(.double(Double(value))) }
    func encode(_ value: Int) throws { put(.int(Int64(value))) }
    func encode(_ value: Int8) throws { put(.int(Int64(value))) }
    func encode(_ value: Int16) throws { put(.int(Int64(value))) }
    func encode(_ value: Int32) throws { put(.int(Int64(value))) }
    func encode(_ value: Int64) throws { put(.int(value)) }
    func encode(_ value: UInt) throws { put(.uint(UInt64(value))) }
    func encode(_ value: UInt8) throws { put(.uint(UInt64(value))) }
    func encode(_ value: UInt16) throws { put(.uint(UInt64(value))) }
    func encode(_ value: UInt32) throws { put(.uint(UInt64(value))) }
    func encode(_ value: UInt64) throws { put(.uint(value)) }
}
