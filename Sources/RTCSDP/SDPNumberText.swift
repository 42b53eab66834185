/// A decimal field kept as text (session ids, `*` payloads, zero-padded numbers) that appears in
/// JSON as a number whenever that loses nothing, and as a string otherwise.
struct SDPNumberText: Codable, Equatable {
    var text: String

    init(_ text: String) { self.text = text }

    /// True when `text` is a plain decimal that a JSON number reproduces exactly.
    private var asNumber: UInt64? {
        guard let v = UInt64(text), String(v) == text else { return nil }
        return v
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            text = s
        } else if let v = try? c.decode(UInt64.self) {
            text = String(v)
        } else if let d = try? c.decode(Double.self), d.isFinite {
            text = d == d.rounded() && abs(d) < 1e18 ? String(Int64(d)) : String(d)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number or a string")
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = asNumber { try c.encode(v) } else { try c.encode(text) }
    }
}
