/// Why a DNS message could not be decoded or encoded; decode errors say where (byte offset).
public enum DNSError: Error, Equatable, CustomStringConvertible {
    /// The message ended inside `what`, which started at `offset`.
    case truncated(what: String, offset: Int)
    /// A name compression pointer at `offset` points forward, at itself or into a loop
    /// (RFC 1035 §4.1.4 pointers refer to a prior occurrence).
    case badPointer(offset: Int)
    /// A label length byte with the reserved bits 01 or 10 (RFC 1035 §4.1.4, RFC 6891 §5).
    case badLabelType(offset: Int)
    /// A name longer than 255 bytes on the wire (RFC 1035 §2.3.4).
    case nameTooLong(offset: Int)
    /// A label longer than 63 bytes or empty inside a name (when encoding).
    case badLabel(String)
    /// More records than the message can hold.
    case tooManyRecords(count: Int)

    public var description: String {
        switch self {
        case let .truncated(what, offset): return "DNS message truncated in \(what) at byte \(offset)"
        case let .badPointer(offset): return "bad DNS name compression pointer at byte \(offset)"
        case let .badLabelType(offset): return "unsupported DNS label type at byte \(offset)"
        case let .nameTooLong(offset): return "DNS name longer than 255 bytes at byte \(offset)"
        case let .badLabel(label): return "bad DNS label \"\(label)\""
        case let .tooManyRecords(count): return "DNS message claims \(count) records, more than its bytes can hold"
        }
    }
}
