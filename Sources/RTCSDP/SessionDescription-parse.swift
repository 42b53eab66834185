extension SessionDescription {
    /// Parses an SDP session description (RFC 8866 §5, §9).
    ///
    /// Lines may end in CRLF or LF. Known WebRTC attributes are checked for syntax; unknown ones
    /// are kept verbatim. Fixed lines may appear in any order within their section, but `v=`
    /// must come first and `o=`, `s=` and `t=` must be present.
    /// Lines may not contain NUL or a CR other than the one before LF (RFC 8866 §9 `text`), and
    /// the description must stay within `limits`.
    /// - Parameters:
    ///   - text: the SDP text.
    ///   - limits: caps on size, lines, media sections and candidates.
    /// - Returns: the parsed description.
    /// - Throws: `SDPError` with the 1-based line number, the line and the reason.
    public static func parse(_ text: String, limits: SDPLimits = .standard) throws -> SessionDescription {
        var parser = SDPParser(limits: limits)
        return try parser.parse(text)
    }
}

/// The line-by-line parser behind `SessionDescription.parse`.
struct SDPParser {
    let limits: SDPLimits
    private var candidateCount = 0
    private var version: Int?
    private var origin: SDPOrigin?
    private var name: String?
    private var information: String?
    private var uri: String?
    private var emails: [String] = []
    private var phones: [String] = []
    private var connection: SDPConnection?
    private var bandwidths: [SDPBandwidth] = []
    private var timings: [SDPTiming] = []
    private var timeZones: String?
    private var key: String?
    private var attributes: [SDPAttribute] = []
    private var media: [MediaDescription] = []

    init(limits: SDPLimits) { self.limits = limits }

    mutating func parse(_ text: String) throws -> SessionDescription {
        let size = text.utf8.count
        guard size <= limits.maxBytes else {
            throw SDPError.invalidDescription(
                line: 1, reason: "session description of \(size) bytes exceeds the limit of \(limits.maxBytes) bytes")
        }
        var lines: [Substring] = []
        lines.reserveCapacity(64)
        var utf8 = text.utf8[...]
        while !utf8.isEmpty {
            guard lines.count < limits.maxLines else {
                throw SDPError.invalidDescription(
                    line: lines.count + 1, reason: "session description exceeds the limit of \(limits.maxLines) lines")
            }
            if let nl = utf8.firstIndex(of: 10) {
                lines.append(Substring(utf8[..<nl]))
                utf8 = utf8[utf8.index(after: nl)...]
            } else {
                lines.append(Substring(utf8))
                break
            }
        }
        for i in lines.indices where lines[i].utf8.last == 13 {
            lines[i] = lines[i].dropLast()
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard !lines.isEmpty else { throw SDPError.invalidDescription(line: 1, reason: "empty session description") }

        for (i, line) in lines.enumerated() {
            do {
                try parseLine(line, number: i + 1)
            } catch let e as SDPValueError {
                throw SDPError.invalidLine(line: i + 1, text: String(line), reason: e.reason)
            }
        }
        let end = lines.count
        guard let version else { throw SDPError.invalidDescription(line: 1, reason: "missing v= line") }
        guard let origin else { throw SDPError.invalidDescription(line: end, reason: "missing o= line") }
        guard let name else { throw SDPError.invalidDescription(line: end, reason: "missing s= line") }
        guard !timings.isEmpty else { throw SDPError.invalidDescription(line: end, reason: "missing t= line") }
        return SessionDescription(version: version, origin: origin, name: name, information: information, uri: uri,
                                  emails: emails, phones: phones, connection: connection, bandwidths: bandwidths,
                                  timings: timings, timeZones: timeZones, key: key, attributes: attributes,
                                  media: media)
    }

    private mutating func parseLine(_ line: Substring, number: Int) throws {
        let u = line.utf8
        guard u.count >= 2, let type = u.first, u[u.index(after: u.startIndex)] == UInt8(ascii: "=") else {
            throw SDPValueError(line.isEmpty ? "empty line" : "expected <type>=<value>")
        }
        // RFC 8866 §9: text is any byte but NUL, CR and LF; a CR here would hide a line break.
        if u.contains(0) { throw SDPValueError("NUL character in line") }
        if u.contains(13) { throw SDPValueError("CR character inside line") }
        let value = String(line.dropFirst(2))
        if number == 1 {
            guard type == UInt8(ascii: "v") else { throw SDPValueError("the first line must be v=") }
            guard value == "0" else { throw SDPValueError("unsupported protocol version") }
            version = 0
            return
        }
        if type == UInt8(ascii: "a"), value.utf8.starts(with: "candidate:".utf8) {
            candidateCount += 1
            guard candidateCount <= limits.maxCandidates else {
                throw SDPValueError("more than the limit of \(limits.maxCandidates) candidates")
            }
        }
        if type == UInt8(ascii: "m") {
            guard media.count < limits.maxMediaSections else {
                throw SDPValueError("more than the limit of \(limits.maxMediaSections) media sections")
            }
            media.append(try Self.mediaLine(value))
        } else if media.isEmpty {
            try sessionLine(type, value)
        } else {
            try Self.mediaSectionLine(type, value, &media[media.count - 1])
        }
    }

    private mutating func sessionLine(_ type: UInt8, _ value: String) throws {
        switch type {
        case UInt8(ascii: "a"): attributes.append(try Self.attribute(value))
        case UInt8(ascii: "v"): throw SDPValueError("duplicate v= line")
        case UInt8(ascii: "o"):
            guard origin == nil else { throw SDPValueError("duplicate o= line") }
            origin = try SDPOrigin(value: value)
        case UInt8(ascii: "s"):
            guard name == nil else { throw SDPValueError("duplicate s= line") }
            name = value
        case UInt8(ascii: "i"):
            guard information == nil else { throw SDPValueError("duplicate i= line") }
            information = value
        case UInt8(ascii: "u"):
            guard uri == nil else { throw SDPValueError("duplicate u= line") }
            uri = value
        case UInt8(ascii: "e"): emails.append(value)
        case UInt8(ascii: "p"): phones.append(value)
        case UInt8(ascii: "c"):
            guard connection == nil else { throw SDPValueError("duplicate c= line") }
            connection = try SDPConnection(value: value)
        case UInt8(ascii: "b"): bandwidths.append(try SDPBandwidth(value: value))
        case UInt8(ascii: "t"): timings.append(try SDPTiming(value: value))
        case UInt8(ascii: "r"):
            guard !timings.isEmpty else { throw SDPValueError("r= before any t= line") }
            guard !value.isEmpty else { throw SDPValueError("empty r= line") }
            timings[timings.count - 1].repeats.append(value)
        case UInt8(ascii: "z"):
            guard timeZones == nil else { throw SDPValueError("duplicate z= line") }
            timeZones = value
        case UInt8(ascii: "k"):
            guard key == nil else { throw SDPValueError("duplicate k= line") }
            key = value
        default: throw SDPValueError("unknown line type")
        }
    }

    private static func mediaSectionLine(_ type: UInt8, _ value: String, _ m: inout MediaDescription) throws {
        switch type {
        case UInt8(ascii: "a"): m.attributes.append(try Self.attribute(value))
        case UInt8(ascii: "i"):
            guard m.information == nil else { throw SDPValueError("duplicate i= line in media section") }
            m.information = value
        case UInt8(ascii: "c"):
            guard m.connection == nil else { throw SDPValueError("duplicate c= line in media section") }
            m.connection = try SDPConnection(value: value)
        case UInt8(ascii: "b"): m.bandwidths.append(try SDPBandwidth(value: value))
        case UInt8(ascii: "k"):
            guard m.key == nil else { throw SDPValueError("duplicate k= line in media section") }
            m.key = value
        case UInt8(ascii: "v"), UInt8(ascii: "o"), UInt8(ascii: "s"), UInt8(ascii: "u"), UInt8(ascii: "e"),
            UInt8(ascii: "p"), UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "z"):
            throw SDPValueError("session-level line inside a media section")
        default: throw SDPValueError("unknown line type")
        }
    }

    /// Parses `a=` text, checking the syntax of known attributes.
    static func attribute(_ text: String) throws -> SDPAttribute {
        let attr = SDPAttribute(line: text)
        guard !attr.name.isEmpty else { throw SDPValueError("empty attribute name") }
        if let kind = SDPAttributeKind.byName[attr.name] { try kind.validate(attr.value) }
        return attr
    }

    /// Parses `m=<media> <port>[/<number>] <proto> <fmt> ...`.
    static func mediaLine(_ value: String) throws -> MediaDescription {
        let f = SDPText.fields(value)
        guard f.count >= 3 else { throw SDPValueError("m= needs <media> <port> <proto> <fmt>...") }
        let portParts = f[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let port = try SDPText.int(portParts[0], "port", in: SDPText.ports)
        let numPorts = portParts.count > 1 ? try SDPText.int(portParts[1], "number of ports", in: 1...65535) : nil
        return MediaDescription(type: String(f[0]), port: port, numPorts: numPorts, proto: String(f[2]),
                                formats: f.dropFirst(3).map(String.init))
    }
}
