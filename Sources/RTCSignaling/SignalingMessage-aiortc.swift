import RTC

extension SignalingMessage {
    /// One line exactly as aiortc's `object_to_string` writes it: Python's `json.dumps` with
    /// `sort_keys=True` and its default `", "` / `": "` separators, non-ASCII as `\uXXXX`.
    ///
    /// `{"sdp": "...", "type": "offer"}`, `{"candidate": "candidate:...", "id": "0", "label": 0,
    /// "type": "candidate"}`, `{"type": "bye"}`. aiortc never trickles, so end-of-candidates has
    /// no aiortc form; it is written as a candidate with an empty string, which aiortc ignores.
    public func aiortcLine() -> String {
        var fields: [(String, String)]
        switch self {
        case let .description(d):
            fields = [("sdp", Self.pythonString(d.sdp)), ("type", Self.pythonString(d.type.rawValue))]
        case let .candidate(c):
            fields = [
                ("candidate", Self.pythonString(c.candidate)),
                ("id", c.sdpMid.map(Self.pythonString) ?? "null"),
                ("label", c.sdpMLineIndex.map { String($0) } ?? "null"),
                ("type", Self.pythonString("candidate")),
            ]
        case .endOfCandidates:
            fields = [("candidate", "\"\""), ("type", "\"candidate\"")]
        case .bye:
            fields = [("type", "\"bye\"")]
        }
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal as Python's `json.dumps` (ensure_ascii) writes it.
    static func pythonString(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 16)
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default: out += formatted("\\u%04x", unit)
            }
        }
        return out + "\""
    }
}
