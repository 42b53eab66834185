extension SessionDescription {
    /// The SDP text: lines in RFC 8866 §5 order, attributes in their stored order, each line
    /// ending in CRLF.
    public func serialize() -> String {
        // Unchecked: a value with CR or LF comes out as extra lines.
        (try? serialize(checked: false)) ?? ""
    }

    /// `serialize()` for values from outside (the JSON form): refuses any field holding CR, LF or
    /// NUL (RFC 8866 §9), which would otherwise end its line and inject others.
    /// - Throws: `SDPError.invalidLine` naming the output line and the field's text.
    public func serializeChecked() throws -> String {
        try serialize(checked: true)
    }

    private func serialize(checked: Bool) throws -> String {
        var out = ""
        out.reserveCapacity(64 * (attributes.count + media.reduce(8) { $0 + $1.attributes.count + 4 }))
        var count = 0
        var bad: SDPError?
        func line(_ type: String, _ value: String) {
            count += 1
            if checked, bad == nil, value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) {
                bad = .invalidLine(line: count, text: type + value, reason: "CR, LF or NUL inside a field")
            }
            out += type
            out += value
            out += "\r\n"
        }
        line("v=", "\(version)")
        line("o=", origin.value)
        line("s=", name)
        if let information { line("i=", information) }
        if let uri { line("u=", uri) }
        for e in emails { line("e=", e) }
        for p in phones { line("p=", p) }
        if let connection { line("c=", connection.value) }
        for b in bandwidths { line("b=", b.value) }
        for t in timings {
            line("t=", t.value)
            for r in t.repeats { line("r=", r) }
        }
        if let timeZones { line("z=", timeZones) }
        if let key { line("k=", key) }
        for a in attributes { line("a=", a.line) }
        for m in media {
            line("m=", m.mLineValue)
            if let information = m.information { line("i=", information) }
            if let connection = m.connection { line("c=", connection.value) }
            for b in m.bandwidths { line("b=", b.value) }
            if let key = m.key { line("k=", key) }
            for a in m.attributes { line("a=", a.line) }
        }
        if let bad { throw bad }
        return out
    }
}

extension MediaDescription {
    /// The text after `m=`.
    var mLineValue: String {
        var s = type + " " + String(port)
        if let numPorts { s += "/" + String(numPorts) }
        s += " " + proto
        for f in formats { s += " " + f }
        return s
    }
}
