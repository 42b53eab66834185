/// Errors of the SDP layer.
///
/// Parse errors always name the 1-based line, the offending line and the reason, so a user can
/// find the problem in a description pasted from a browser (pion/stun `DecodeErr` gives the place
/// the same way).
public enum SDPError: Error, Equatable, CustomStringConvertible {
    /// A line is malformed or not allowed where it is (RFC 8866 §5, §9).
    case invalidLine(line: Int, text: String, reason: String)
    /// The description as a whole is incomplete, e.g. a required line is missing.
    case invalidDescription(line: Int, reason: String)

    /// The 1-based line number the error refers to.
    public var line: Int {
        switch self {
        case .invalidLine(let line, _, _), .invalidDescription(let line, _): return line
        }
    }

    /// The reason without the position.
    public var reason: String {
        switch self {
        case .invalidLine(_, _, let reason), .invalidDescription(_, let reason): return reason
        }
    }

    /// One line: `line N: REASON: "TEXT"`.
    public var description: String {
        switch self {
        case .invalidLine(let line, let text, let reason):
            return "line \(line): \(reason): \(SDPError.quote(text))"
        case .invalidDescription(let line, let reason):
            return "line \(line): \(reason)"
        }
    }

    /// Quotes a line for an error message, escaping control characters so the message stays one line.
    package static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars.prefix(200) {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if text.unicodeScalars.count > 200 { out += "..." }
        return out + "\""
    }
}

/// Why one value failed to parse; the parser adds the line number and text.
struct SDPValueError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
