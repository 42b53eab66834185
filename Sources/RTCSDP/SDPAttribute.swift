/// One `a=` line, kept verbatim (RFC 8866 §5.13).
///
/// Sections store their attributes as an ordered list of these, so serialization gives back the
/// lines in the order they were read. Typed views (`SDPCandidate`, `SDPRtpMap`, ...) are parsed
/// from the list on demand by the accessors on `MediaDescription` and `SessionDescription`.
public struct SDPAttribute: Equatable, Hashable, Sendable {
    /// The attribute name, e.g. `rtpmap`.
    public var name: String
    /// The text after the first colon, or nil for a property attribute such as `rtcp-mux`.
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// Splits the text after `a=` at the first colon.
    public init(line: String) {
        if let colon = line.firstIndex(of: ":") {
            name = String(line[..<colon])
            value = String(line[line.index(after: colon)...])
        } else {
            name = line
            value = nil
        }
    }

    /// The text after `a=`: `name` or `name:value`.
    public var line: String {
        guard let value else { return name }
        return name + ":" + value
    }
}

extension Array where Element == SDPAttribute {
    /// The value of the first attribute called `name`.
    func firstValue(_ name: String) -> String? {
        first(where: { $0.name == name })?.value
    }

    /// Every value of attributes called `name` that parses as `T`.
    func parsed<T: SDPAttributeValue>(_ name: String, as: T.Type) -> [T] {
        compactMap { $0.name == name ? $0.value.flatMap { try? T(attributeValue: $0) } : nil }
    }
}
