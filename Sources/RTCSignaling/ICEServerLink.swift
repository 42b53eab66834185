import RTC
/// A STUN or TURN server a WHIP/WHEP endpoint offers in a `Link` header (RFC 9725 §4.6):
/// `<turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; credential="p";
/// credential-type="password"`.
public struct ICEServerLink: Equatable, Sendable {
    /// The server's URI (RFC 7064 `stun:`/`stuns:`, RFC 7065 `turn:`/`turns:`), as sent.
    public var url: String
    public var username: String?
    public var credential: String?
    /// `password` when given; other types (e.g. `oauth`) are reported as sent.
    public var credentialType: String?

    public init(url: String, username: String? = nil, credential: String? = nil, credentialType: String? = nil) {
        self.url = url
        self.username = username
        self.credential = credential
        self.credentialType = credentialType
    }

    /// The `rel="ice-server"` links among `Link` header values (each may hold several
    /// comma-separated link-values, RFC 8288 §3). Links with another relation, and values that
    /// do not parse, are skipped: a server's other links are none of our business.
    public static func parse(_ headerValues: [String]) -> [ICEServerLink] {
        var servers: [ICEServerLink] = []
        for value in headerValues {
            var scanner = LinkScanner(Array(value.utf8))
            while let link = scanner.nextLink() {
                // rel holds space-separated relation types, compared without case (RFC 8288 §3.3).
                guard link.params["rel"]?.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" })
                    .contains("ice-server") == true, !link.target.isEmpty else { continue }
                servers.append(ICEServerLink(url: link.target, username: link.params["username"],
                                             credential: link.params["credential"],
                                             credentialType: link.params["credential-type"]))
            }
        }
        return servers
    }

    /// The servers an endpoint configured with `--stun URL` / `--turn URL` (`turnUsername`,
    /// `turnPassword`) offers its clients: each URL as given, TURN ones with `username`,
    /// `credential` and `credential-type="password"` (RFC 9725 §4.6).
    public static func configured(stun: [String], turn: [String], turnUsername: String?,
                                  turnPassword: String?) -> [ICEServerLink] {
        stun.map { ICEServerLink(url: $0) }
            + turn.map { ICEServerLink(url: $0, username: turnUsername, credential: turnPassword,
                                       credentialType: turnPassword == nil ? nil : "password") }
    }

    /// This server as one `Link` header value (what a WHIP endpoint sends).
    /// Control characters and `>` (which would end the target or split the header) are left out.
    public var headerValue: String {
        let target = String(url.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && $0 != ">" })
        var s = "<\(target)>; rel=\"ice-server\""
        if let username { s += "; username=\(Self.quoted(username))" }
        if let credential { s += "; credential=\(Self.quoted(credential))" }
        if let credentialType { s += "; credential-type=\(Self.quoted(credentialType))" }
        return s
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        // quoted-string (RFC 9110 §5.6.4): quote and backslash escaped, control characters dropped.
        for c in s.unicodeScalars where c.value >= 0x20 && c.value != 0x7F || c == "\t" {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out + "\""
    }
}

/// RFC 8288 §3 link-value scanning: `<target>` then `; name=value` parameters, value a token or
/// a quoted-string (RFC 9110 §5.6.4), links separated by commas.
private struct LinkScanner {
    let bytes: [UInt8]
    var i = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func nextLink() -> (target: String, params: [String: String])? {
        while true {
            skipSpace()
            while i < bytes.count && bytes[i] == UInt8(ascii: ",") {
                i += 1
                skipSpace()
            }
            guard i < bytes.count else { return nil }
            guard bytes[i] == UInt8(ascii: "<"), let close = bytes[i...].firstIndex(of: UInt8(ascii: ">")) else {
                skipToComma()
                continue
            }
            let target = String(decoding: bytes[(i + 1)..<close], as: UTF8.self).trimmingWhitespace()
            i = close + 1
            var params: [String: String] = [:]
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ";") else { break }
                i += 1
                skipSpace()
                let name = token().lowercased()
                skipSpace()
                var value = ""
                if i < bytes.count, bytes[i] == UInt8(ascii: "=") {
                    i += 1
                    skipSpace()
                    value = i < bytes.count && bytes[i] == UInt8(ascii: "\"") ? quotedString() : token()
                }
                // RFC 8288 §3: only the first occurrence of a parameter counts.
                if !name.isEmpty && params[name] == nil { params[name] = value }
            }
            skipToComma()
            return (target, params)
        }
    }

    private mutating func skipSpace() {
        while i < bytes.count && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
    }

    private mutating func skipToComma() {
        var inQuote = false
        while i < bytes.count {
            let b = bytes[i]
            if inQuote && b == UInt8(ascii: "\\") { i += 2; continue }
            if b == UInt8(ascii: "\"") { inQuote.toggle() }
            if b == UInt8(ascii: ",") && !inQuote { return }
            i += 1
        }
    }

    private mutating func token() -> String {
        let start = i
        while i < bytes.count, ![UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "="), 0x20, 0x09].contains(bytes[i]) {
            i += 1
        }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }

    private mutating func quotedString() -> String {
        i += 1
        var out: [UInt8] = []
        while i < bytes.count && bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") && i + 1 < bytes.count { i += 1 }
            out.append(bytes[i])
            i += 1
        }
        if i < bytes.count { i += 1 }
        return String(decoding: out, as: UTF8.self)
    }
}
