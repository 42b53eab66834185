/// How one known attribute maps to its JSON field (sdp-transform's name and shape) and how its
/// value is checked. Attributes not in the table go to the `invalid` list verbatim.
struct SDPAttributeKind: Sendable {
    /// SDP attribute names this kind covers (several only for the direction attributes).
    let names: [String]
    /// The JSON field.
    let key: String
    /// Whether the JSON field is an array; a repeated single field puts the extra lines in `invalid`.
    let isList: Bool
    /// Checks an attribute value; throws `SDPValueError`.
    let validate: @Sendable (String?) throws -> Void
    /// Writes one attribute as a JSON value.
    let encode: @Sendable (SDPAttribute, Encoder) throws -> Void
    /// Reads one JSON value back into an attribute.
    let decode: @Sendable (Decoder) throws -> SDPAttribute

    /// The JSON field for `invalid` attributes: `{"value": "name:value"}`.
    static let invalidKey = "invalid"

    /// A typed value with a `raw` fallback when the text is not in canonical form.
    static func typed<T: SDPAttributeValue & SendableMetatype>(_ name: String, _ key: String, list: Bool, _: T.Type) -> SDPAttributeKind {
        SDPAttributeKind(
            names: [name], key: key, isList: list,
            validate: { value in
                guard let value else { throw SDPValueError("\(name) needs a value") }
                _ = try T(attributeValue: value)
            },
            encode: { attr, encoder in
                let text = attr.value ?? ""
                let v = try T(attributeValue: text)
                try v.encode(to: encoder)
                if v.attributeValue != text {
                    var c = encoder.container(keyedBy: RawKey.self)
                    try c.encode(text, forKey: .raw)
                }
            },
            decode: { decoder in
                let v = try T(from: decoder)
                let raw = try decoder.container(keyedBy: RawKey.self).decodeIfPresent(String.self, forKey: .raw)
                if let raw, (try? T(attributeValue: raw)) == v { return SDPAttribute(name: name, value: raw) }
                return SDPAttribute(name: name, value: v.attributeValue)
            })
    }

    /// A value kept as a JSON string (`iceUfrag`, `setup`, `mid`, ...), checked by `check`.
    static func string(_ name: String, _ key: String, list: Bool = false,
                       check: @escaping @Sendable (Substring) throws -> Void = { _ in }) -> SDPAttributeKind {
        SDPAttributeKind(
            names: [name], key: key, isList: list,
            validate: { value in
                guard let value else { throw SDPValueError("\(name) needs a value") }
                try check(value[...])
            },
            encode: { attr, encoder in
                var c = encoder.singleValueContainer()
                try c.encode(attr.value ?? "")
            },
            decode: { decoder in
                SDPAttribute(name: name, value: try decoder.singleValueContainer().decode(String.self))
            })
    }

    /// A decimal value, a JSON number (`sctpPort`, `maxMessageSize`, `ptime`, `framerate`).
    static func number(_ name: String, _ key: String, fraction: Bool = false, max: UInt64 = .max) -> SDPAttributeKind {
        SDPAttributeKind(
            names: [name], key: key, isList: false,
            validate: { value in
                guard let value else { throw SDPValueError("\(name) needs a value") }
                let ok = fraction ? Double(value) != nil && value.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 46 }
                    : SDPText.isDigits(value[...]) && UInt64(value).map { $0 <= max } == true
                guard ok else { throw SDPValueError("invalid \(name) \"\(value.prefix(40))\"") }
            },
            encode: { attr, encoder in
                var c = encoder.singleValueContainer()
                let text = attr.value ?? ""
                if let i = UInt64(text), String(i) == text {
                    try c.encode(i)
                } else if fraction, let d = Double(text), d.description == text {
                    try c.encode(d)
                } else {
                    try c.encode(text)
                }
            },
            decode: { decoder in
                let c = try decoder.singleValueContainer()
                if let s = try? c.decode(String.self) { return SDPAttribute(name: name, value: s) }
                if let i = try? c.decode(UInt64.self) { return SDPAttribute(name: name, value: String(i)) }
                let d = try c.decode(Double.self)
                return SDPAttribute(name: name, value: d.description)
            })
    }

    /// A property attribute with no value; JSON holds its name (`"rtcpMux": "rtcp-mux"`).
    static func flag(_ names: [String], _ key: String) -> SDPAttributeKind {
        SDPAttributeKind(
            names: names, key: key, isList: false,
            validate: { value in
                if value != nil { throw SDPValueError("\(names[0]) takes no value") }
            },
            encode: { attr, encoder in
                var c = encoder.singleValueContainer()
                try c.encode(attr.name)
            },
            decode: { decoder in
                let s = (try? decoder.singleValueContainer().decode(String.self)) ?? names[0]
                return SDPAttribute(name: names.contains(s) ? s : names[0], value: nil)
            })
    }

    /// The table, in the order fields are written when the JSON has no `attributeOrder`.
    static let all: [SDPAttributeKind] = [
        typed("group", "groups", list: true, SDPGroup.self),
        flag(["extmap-allow-mixed"], "extmapAllowMixed"),
        typed("msid-semantic", "msidSemantic", list: false, SDPMsidSemantic.self),
        flag(["ice-lite"], "icelite"),
        typed("rtcp", "rtcp", list: false, SDPRtcp.self),
        typed("candidate", "candidates", list: true, SDPCandidate.self),
        flag(["end-of-candidates"], "endOfCandidates"),
        string("ice-ufrag", "iceUfrag", check: ICEText.checkUfrag),
        string("ice-pwd", "icePwd", check: ICEText.checkPassword),
        string("ice-options", "iceOptions"),
        typed("fingerprint", "fingerprint", list: false, SDPFingerprint.self),
        string("setup", "setup", check: { try ICEText.checkToken($0, "setup") }),
        string("mid", "mid", check: { try ICEText.checkToken($0, "mid") }),
        typed("extmap", "ext", list: true, SDPExtmap.self),
        flag(["sendrecv", "sendonly", "recvonly", "inactive"], "direction"),
        string("msid", "msid"),
        flag(["rtcp-mux"], "rtcpMux"),
        flag(["rtcp-rsize"], "rtcpRsize"),
        typed("rtpmap", "rtp", list: true, SDPRtpMap.self),
        typed("rtcp-fb", "rtcpFb", list: true, SDPRtcpFb.self),
        typed("fmtp", "fmtp", list: true, SDPFmtp.self),
        number("ptime", "ptime"),
        number("maxptime", "maxptime"),
        number("framerate", "framerate", fraction: true),
        typed("ssrc-group", "ssrcGroups", list: true, SDPSsrcGroup.self),
        typed("ssrc", "ssrcs", list: true, SDPSsrc.self),
        typed("rid", "rids", list: true, SDPRid.self),
        typed("simulcast", "simulcast", list: false, SDPSimulcast.self),
        number("sctp-port", "sctpPort", max: 65535),
        number("max-message-size", "maxMessageSize"),
        typed("sctpmap", "sctpmap", list: false, SDPSctpMap.self),
    ]

    /// Kinds by attribute name.
    static let byName: [String: SDPAttributeKind] = {
        var d: [String: SDPAttributeKind] = [:]
        for k in all { for n in k.names { d[n] = k } }
        return d
    }()

    /// Kinds by JSON field.
    static let byKey: [String: SDPAttributeKind] = {
        var d: [String: SDPAttributeKind] = [:]
        for k in all { d[k.key] = k }
        return d
    }()

    enum RawKey: String, CodingKey { case raw }
}
