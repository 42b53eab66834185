/// Why `SDPJSONConverter` refused its input.
public enum SDPJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Converting to SDP, the input was not JSON (raw SDP text, say).
    case expectedJSON
    /// Bad JSON or SDP: the message names the input line ("input line N: ") and the SDP line.
    case invalid(String)

    public var description: String {
        switch self {
        case .expectedJSON: return "JSON expected"
        case let .invalid(message): return message
        }
    }
}
