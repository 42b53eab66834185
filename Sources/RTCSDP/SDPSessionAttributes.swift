/// `a=fingerprint:<hash-func> <fingerprint>` (RFC 8122 §5).
public struct SDPFingerprint: SDPAttributeValue, Hashable, Sendable {
    /// The hash function, e.g. `sha-256`.
    public var type: String
    /// Upper-case hex bytes separated by colons.
    public var hash: String

    public init(type: String, hash: String) {
        self.type = type
        self.hash = hash
    }

    public init(attributeValue: String) throws {
        let f = SDPText.fields(attributeValue)
        guard f.count == 2 else { throw SDPValueError("fingerprint needs <hash-function> <fingerprint>") }
        type = String(f[0])
        hash = String(f[1])
    }

    public var attributeValue: String { "\(type) \(hash)" }
}

/// `a=group:<semantics> <mid>...` (RFC 5888 §5, RFC 9143 BUNDLE); `mids` is the space-separated list.
public struct SDPGroup: SDPAttributeValue, Hashable, Sendable {
    public var type: String
    public var mids: String

    public init(type: String, mids: [String]) {
        self.type = type
        self.mids = mids.joined(separator: " ")
    }

    public init(attributeValue: String) throws {
        let (t, rest) = SDPText.head(attributeValue[...])
        guard !t.isEmpty else { throw SDPValueError("group needs semantics") }
        type = String(t)
        mids = rest.map(String.init) ?? ""
    }

    public var attributeValue: String { mids.isEmpty ? type : "\(type) \(mids)" }

    /// The identification tags in order.
    public var midList: [String] { SDPText.fields(mids).map(String.init) }
}

/// `a=msid-semantic: <semantic> [<token>]` (draft-ietf-mmusic-msid, still sent by browsers).
/// The canonical form has the space after the colon, as Chromium writes it.
public struct SDPMsidSemantic: SDPAttributeValue, Hashable, Sendable {
    public var semantic: String
    public var token: String?

    public init(semantic: String, token: String? = nil) {
        self.semantic = semantic
        self.token = token
    }

    public init(attributeValue: String) throws {
        let (s, rest) = SDPText.head(attributeValue[...])
        guard !s.isEmpty else { throw SDPValueError("msid-semantic needs a semantic") }
        semantic = String(s)
        token = rest.map(String.init)
    }

    public var attributeValue: String { token.map { " \(semantic) \($0)" } ?? " \(semantic)" }
}

extension Substring {
    /// The text without leading and trailing spaces.
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
