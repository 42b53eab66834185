/// `a=rtpmap:<payload> <codec>/<rate>[/<encoding>]` (RFC 8866 §6.6).
public struct SDPRtpMap: SDPAttributeValue, Hashable, Sendable {
    public var payload: Int
    public var codec: String
    public var rate: Int?
    /// Channels for audio (`opus/48000/2`).
    public var encoding: Int?

    public init(payload: Int, codec: String, rate: Int? = nil, encoding: Int? = nil) {
        self.payload = payload
        self.codec = codec
        self.rate = rate
        self.encoding = encoding
    }

    public init(attributeValue: String) throws {
        let (pt, rest) = SDPText.head(attributeValue[...])
        payload = try SDPText.int(pt, "payload type")
        guard let rest, !rest.isEmpty else { throw SDPValueError("rtpmap needs <payload> <codec>/<rate>") }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 3, !parts[0].isEmpty else { throw SDPValueError("invalid rtpmap encoding \"\(rest.prefix(40))\"") }
        codec = String(parts[0])
        rate = parts.count > 1 ? try SDPText.int(parts[1], "clock rate") : nil
        encoding = parts.count > 2 ? try SDPText.int(parts[2], "encoding parameters") : nil
    }

    public var attributeValue: String {
        var s = "\(payload) \(codec)"
        if let rate { s += "/\(rate)" }
        if let encoding { s += "/\(encoding)" }
        return s
    }
}

/// `a=fmtp:<payload> <config>` (RFC 8866 §6.15). `config` is the verbatim parameter text;
/// `parameters` splits it at `;` and `=`.
public struct SDPFmtp: SDPAttributeValue, Hashable, Sendable {
    public var payload: Int
    public var config: String

    public init(payload: Int, config: String) {
        self.payload = payload
        self.config = config
    }

    public init(attributeValue: String) throws {
        let (pt, rest) = SDPText.head(attributeValue[...])
        payload = try SDPText.int(pt, "payload type")
        config = rest.map(String.init) ?? ""
    }

    public var attributeValue: String { config.isEmpty ? "\(payload)" : "\(payload) \(config)" }

    /// The `key=value` pairs of `config`, in order; a bare token (RED's `111/111`) has an empty value.
    public var parameterList: [(key: String, value: String)] {
        config.split(separator: ";").compactMap { item in
            let t = item.trimmingSpaces
            guard !t.isEmpty else { return nil }
            if let eq = t.firstIndex(of: "=") {
                return (String(t[..<eq]), String(t[t.index(after: eq)...]))
            }
            return (String(t), "")
        }
    }

    /// `parameterList` as a dictionary (the last of repeated keys wins).
    public var parameters: [String: String] {
        var d: [String: String] = [:]
        for (k, v) in parameterList { d[k] = v }
        return d
    }

    enum CodingKeys: String, CodingKey { case payload, config, parameters }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        payload = try c.decode(Int.self, forKey: .payload)
        if let config = try c.decodeIfPresent(String.self, forKey: .config) {
            self.config = config
        } else {
            let p = try c.decodeIfPresent([String: String].self, forKey: .parameters) ?? [:]
            config = p.keys.sorted().map { p[$0, default: ""].isEmpty ? $0 : "\($0)=\(p[$0, default: ""])" }
                .joined(separator: ";")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(payload, forKey: .payload)
        try c.encode(config, forKey: .config)
        try c.encode(parameters, forKey: .parameters)
    }
}

/// `a=rtcp-fb:<payload|*> <type> [<subtype>]` (RFC 4585 §4.2).
public struct SDPRtcpFb: SDPAttributeValue, Hashable, Sendable {
    /// A payload type or `*`.
    public var payload: String
    public var type: String
    public var subtype: String?

    public init(payload: String, type: String, subtype: String? = nil) {
        self.payload = payload
        self.type = type
        self.subtype = subtype
    }

    public init(attributeValue: String) throws {
        let (pt, rest) = SDPText.head(attributeValue[...])
        guard pt == "*" || SDPText.isDigits(pt) else { throw SDPValueError("invalid rtcp-fb payload \"\(pt.prefix(40))\"") }
        guard let rest else { throw SDPValueError("rtcp-fb needs a feedback type") }
        let (t, sub) = SDPText.head(rest)
        guard !t.isEmpty else { throw SDPValueError("rtcp-fb needs a feedback type") }
        payload = String(pt)
        type = String(t)
        subtype = sub.map(String.init)
    }

    public var attributeValue: String {
        subtype.map { "\(payload) \(type) \($0)" } ?? "\(payload) \(type)"
    }

    enum CodingKeys: String, CodingKey { case payload, type, subtype }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        payload = try c.decode(SDPNumberText.self, forKey: .payload).text
        type = try c.decode(String.self, forKey: .type)
        subtype = try c.decodeIfPresent(String.self, forKey: .subtype)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SDPNumberText(payload), forKey: .payload)
        try c.encode(type, forKey: .type)
        try c.encodeIfPresent(subtype, forKey: .subtype)
    }
}

/// `a=extmap:<value>[/<direction>] [<encrypt-uri>] <uri> [<config>]` (RFC 8285 §8, RFC 6904).
public struct SDPExtmap: SDPAttributeValue, Hashable, Sendable {
    public static let encryptURI = "urn:ietf:params:rtp-hdrext:encrypt"
    public var value: Int
    public var direction: String?
    /// `urn:ietf:params:rtp-hdrext:encrypt` when the extension is encrypted.
    public var encryptURI: String?
    public var uri: String
    public var config: String?

    public init(value: Int, direction: String? = nil, encryptURI: String? = nil, uri: String, config: String? = nil) {
        self.value = value
        self.direction = direction
        self.encryptURI = encryptURI
        self.uri = uri
        self.config = config
    }

    public init(attributeValue: String) throws {
        let (id, rest) = SDPText.head(attributeValue[...])
        let idParts = id.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        value = try SDPText.int(idParts[0], "extmap id")
        direction = idParts.count > 1 ? String(idParts[1]) : nil
        guard let rest else { throw SDPValueError("extmap needs a URI") }
        var (u, tail) = SDPText.head(rest)
        if u == Self.encryptURI, let t = tail {
            encryptURI = String(u)
            (u, tail) = SDPText.head(t)
        }
        guard !u.isEmpty else { throw SDPValueError("extmap needs a URI") }
        uri = String(u)
        config = tail.map(String.init)
    }

    public var attributeValue: String {
        var s = "\(value)"
        if let direction { s += "/" + direction }
        if let encryptURI { s += " " + encryptURI }
        s += " " + uri
        if let config { s += " " + config }
        return s
    }

    enum CodingKeys: String, CodingKey {
        case value, direction, encryptURI = "encrypt-uri", uri, config
    }
}

/// `a=ssrc:<id> <attribute>[:<value>]` (RFC 5576 §4.1).
public struct SDPSsrc: SDPAttributeValue, Hashable, Sendable {
    public var id: UInt64
    public var attribute: String
    public var value: String?

    public init(id: UInt64, attribute: String, value: String? = nil) {
        self.id = id
        self.attribute = attribute
        self.value = value
    }

    public init(attributeValue: String) throws {
        let (i, rest) = SDPText.head(attributeValue[...])
        id = try SDPText.uint64(i, "ssrc")
        guard let rest, !rest.isEmpty else { throw SDPValueError("ssrc needs an attribute") }
        if let colon = rest.firstIndex(of: ":") {
            attribute = String(rest[..<colon])
            value = String(rest[rest.index(after: colon)...])
        } else {
            attribute = String(rest)
            value = nil
        }
    }

    public var attributeValue: String {
        value.map { "\(id) \(attribute):\($0)" } ?? "\(id) \(attribute)"
    }
}

/// `a=ssrc-group:<semantics> <ssrc>...` (RFC 5576 §4.2); `ssrcs` is the space-separated list.
public struct SDPSsrcGroup: SDPAttributeValue, Hashable, Sendable {
    public var semantics: String
    public var ssrcs: String

    public init(semantics: String, ssrcs: String) {
        self.semantics = semantics
        self.ssrcs = ssrcs
    }

    public init(attributeValue: String) throws {
        let (s, rest) = SDPText.head(attributeValue[...])
        guard !s.isEmpty else { throw SDPValueError("ssrc-group needs semantics") }
        semantics = String(s)
        ssrcs = rest.map(String.init) ?? ""
        for f in SDPText.fields(ssrcs) where !SDPText.isDigits(f) {
            throw SDPValueError("invalid ssrc \"\(f.prefix(40))\"")
        }
    }

    public var attributeValue: String { ssrcs.isEmpty ? semantics : "\(semantics) \(ssrcs)" }

    /// The SSRCs as numbers.
    public var ssrcList: [UInt64] { SDPText.fields(ssrcs).compactMap { UInt64($0) } }
}

/// `a=rid:<id> <direction> [<params>]` (RFC 8851 §4).
public struct SDPRid: SDPAttributeValue, Hashable, Sendable {
    public var id: String
    public var direction: String
    public var params: String?

    public init(id: String, direction: String, params: String? = nil) {
        self.id = id
        self.direction = direction
        self.params = params
    }

    public init(attributeValue: String) throws {
        let (i, rest) = SDPText.head(attributeValue[...])
        guard !i.isEmpty, let rest else { throw SDPValueError("rid needs <id> <send|recv>") }
        let (d, p) = SDPText.head(rest)
        guard d == "send" || d == "recv" else { throw SDPValueError("invalid rid direction \"\(d.prefix(40))\"") }
        id = String(i)
        direction = String(d)
        params = p.map(String.init)
    }

    public var attributeValue: String {
        params.map { "\(id) \(direction) \($0)" } ?? "\(id) \(direction)"
    }
}

/// `a=simulcast:<dir1> <list1> [<dir2> <list2>]` (RFC 8853 §5.1).
public struct SDPSimulcast: SDPAttributeValue, Hashable, Sendable {
    public var dir1: String
    public var list1: String
    public var dir2: String?
    public var list2: String?

    public init(dir1: String, list1: String, dir2: String? = nil, list2: String? = nil) {
        self.dir1 = dir1
        self.list1 = list1
        self.dir2 = dir2
        self.list2 = list2
    }

    public init(attributeValue: String) throws {
        let f = SDPText.fields(attributeValue)
        guard f.count == 2 || f.count == 4 else { throw SDPValueError("simulcast needs <send|recv> <list> [<send|recv> <list>]") }
        for d in stride(from: 0, to: f.count, by: 2) where f[d] != "send" && f[d] != "recv" {
            throw SDPValueError("invalid simulcast direction \"\(f[d].prefix(40))\"")
        }
        dir1 = String(f[0])
        list1 = String(f[1])
        dir2 = f.count == 4 ? String(f[2]) : nil
        list2 = f.count == 4 ? String(f[3]) : nil
    }

    public var attributeValue: String {
        var s = "\(dir1) \(list1)"
        if let dir2, let list2 { s += " \(dir2) \(list2)" }
        return s
    }
}

/// `a=rtcp:<port> [IN IP4|IP6 <address>]` (RFC 3605).
public struct SDPRtcp: SDPAttributeValue, Hashable, Sendable {
    public var port: Int
    public var netType: String?
    public var ipVer: Int?
    public var address: String?

    public init(port: Int, netType: String? = nil, ipVer: Int? = nil, address: String? = nil) {
        self.port = port
        self.netType = netType
        self.ipVer = ipVer
        self.address = address
    }

    public init(attributeValue: String) throws {
        let f = SDPText.fields(attributeValue)
        guard f.count == 1 || f.count == 4 else { throw SDPValueError("rtcp needs <port> [IN IP4|IP6 <address>]") }
        port = try SDPText.int(f[0], "port", in: SDPText.ports)
        if f.count == 4 {
            netType = String(f[1])
            ipVer = try SDPOrigin.ipVersion(f[2])
            address = String(f[3])
        }
    }

    public var attributeValue: String {
        guard let netType, let ipVer, let address else { return "\(port)" }
        return "\(port) \(netType) IP\(ipVer) \(address)"
    }
}

/// `a=sctpmap:<number> <app> [<streams>]` (draft-ietf-mmusic-sctp-sdp-05, old data channel SDP).
public struct SDPSctpMap: SDPAttributeValue, Hashable, Sendable {
    public var sctpmapNumber: Int
    public var app: String
    public var maxMessageSize: Int?

    public init(sctpmapNumber: Int, app: String, maxMessageSize: Int? = nil) {
        self.sctpmapNumber = sctpmapNumber
        self.app = app
        self.maxMessageSize = maxMessageSize
    }

    public init(attributeValue: String) throws {
        let f = SDPText.fields(attributeValue)
        guard f.count == 2 || f.count == 3 else { throw SDPValueError("sctpmap needs <number> <app> [<streams>]") }
        sctpmapNumber = try SDPText.int(f[0], "sctpmap number", in: SDPText.ports)
        app = String(f[1])
        maxMessageSize = f.count == 3 ? try SDPText.int(f[2], "sctpmap streams") : nil
    }

    public var attributeValue: String {
        maxMessageSize.map { "\(sctpmapNumber) \(app) \($0)" } ?? "\(sctpmapNumber) \(app)"
    }
}
