/// One attribute of a STUN message: type and raw value, TLV-encoded on the wire with the value
/// padded to a multiple of 4 bytes (RFC 8489 §14).
///
/// Typed access lives on `STUNMessage` (`STUNMessage-attributes.swift`); this is the raw form that
/// keeps unknown attributes intact.
public struct STUNAttribute: Hashable, Sendable, CustomStringConvertible {
    public var type: STUNAttributeType
    /// The value, without padding.
    public var value: [UInt8]
    /// The padding bytes as received, when they were not all zero, so a decoded message
    /// re-encodes byte for byte (RFC 5769 pads with spaces). Empty means zero padding. Padding
    /// carries no meaning (RFC 8489 §14), so it takes no part in `==` or hashing.
    public var padding: [UInt8]

    public init(type: STUNAttributeType, value: [UInt8], padding: [UInt8] = []) {
        self.type = type
        self.value = value
        self.padding = padding
    }

    /// Number of padding bytes after a value of `length` bytes.
    static func paddingCount(_ length: Int) -> Int { (4 - length & 3) & 3 }

    /// Bytes this attribute takes on the wire: header, value and padding.
    var encodedCount: Int { 4 + value.count + Self.paddingCount(value.count) }

    public static func == (a: STUNAttribute, b: STUNAttribute) -> Bool { a.type == b.type && a.value == b.value }

    public func hash(into h: inout Hasher) {
        h.combine(type)
        h.combine(value)
    }

    public var description: String { "\(type)(\(value.count) bytes)" }
}
