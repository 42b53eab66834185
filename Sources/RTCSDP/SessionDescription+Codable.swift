/// The JSON form (sdp-transform's field names where it has one; see `rtc sdp-parse --help`).
///
/// Attributes are grouped by JSON field, and `attributeOrder` lists the field of each `a=` line
/// in order so decoding restores the original order. A single-valued field that repeats (a
/// second `fingerprint`, say) keeps the extra lines in `invalid`, as do unknown attributes.
extension SessionDescription: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: SDPJSONKey.self)
        version = try c.decodeIfPresent(Int.self, forKey: "version") ?? 0
        origin = try c.decode(SDPOrigin.self, forKey: "origin")
        name = try c.decodeIfPresent(String.self, forKey: "name") ?? "-"
        information = try c.decodeIfPresent(String.self, forKey: "description")
        uri = try c.decodeIfPresent(String.self, forKey: "uri")
        emails = try c.decodeIfPresent([String].self, forKey: "emails") ?? []
        phones = try c.decodeIfPresent([String].self, forKey: "phones") ?? []
        connection = try c.decodeIfPresent(SDPConnection.self, forKey: "connection")
        bandwidths = try c.decodeIfPresent([SDPBandwidth].self, forKey: "bandwidth") ?? []
        timings = [try c.decodeIfPresent(SDPTiming.self, forKey: "timing") ?? SDPTiming()]
        timings += try c.decodeIfPresent([SDPTiming].self, forKey: "additionalTimings") ?? []
        timeZones = try c.decodeIfPresent(String.self, forKey: "timezones")
        key = try c.decodeIfPresent(String.self, forKey: "key")
        attributes = try SDPAttributeCoding.decode(from: c)
        media = try c.decodeIfPresent([MediaDescription].self, forKey: "media") ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SDPJSONKey.self)
        try c.encode(version, forKey: "version")
        try c.encode(origin, forKey: "origin")
        try c.encode(name, forKey: "name")
        try c.encodeIfPresent(information, forKey: "description")
        try c.encodeIfPresent(uri, forKey: "uri")
        if !emails.isEmpty { try c.encode(emails, forKey: "emails") }
        if !phones.isEmpty { try c.encode(phones, forKey: "phones") }
        try c.encodeIfPresent(connection, forKey: "connection")
        if !bandwidths.isEmpty { try c.encode(bandwidths, forKey: "bandwidth") }
        try c.encode(timings.first ?? SDPTiming(), forKey: "timing")
        if timings.count > 1 { try c.encode(Array(timings.dropFirst()), forKey: "additionalTimings") }
        try c.encodeIfPresent(timeZones, forKey: "timezones")
        try c.encodeIfPresent(key, forKey: "key")
        try SDPAttributeCoding.encode(attributes, into: &c)
        try c.encode(media, forKey: "media")
    }
}

extension MediaDescription: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: SDPJSONKey.self)
        type = try c.decode(String.self, forKey: "type")
        port = try c.decode(Int.self, forKey: "port")
        numPorts = try c.decodeIfPresent(Int.self, forKey: "numPorts")
        proto = try c.decode(String.self, forKey: "protocol")
        let payloads = try c.decodeIfPresent(SDPNumberText.self, forKey: "payloads")?.text ?? ""
        formats = SDPText.fields(payloads).map(String.init)
        information = try c.decodeIfPresent(String.self, forKey: "description")
        connection = try c.decodeIfPresent(SDPConnection.self, forKey: "connection")
        bandwidths = try c.decodeIfPresent([SDPBandwidth].self, forKey: "bandwidth") ?? []
        key = try c.decodeIfPresent(String.self, forKey: "key")
        attributes = try SDPAttributeCoding.decode(from: c)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: SDPJSONKey.self)
        try c.encode(type, forKey: "type")
        try c.encode(port, forKey: "port")
        try c.encodeIfPresent(numPorts, forKey: "numPorts")
        try c.encode(proto, forKey: "protocol")
        try c.encode(formats.joined(separator: " "), forKey: "payloads")
        try c.encodeIfPresent(information, forKey: "description")
        try c.encodeIfPresent(connection, forKey: "connection")
        if !bandwidths.isEmpty { try c.encode(bandwidths, forKey: "bandwidth") }
        try c.encodeIfPresent(key, forKey: "key")
        try SDPAttributeCoding.encode(attributes, into: &c)
    }
}

/// A JSON object key given as a string literal.
struct SDPJSONKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    init(stringLiteral value: String) { stringValue = value }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// Groups a section's attributes into JSON fields and back.
enum SDPAttributeCoding {
    static let orderKey: SDPJSONKey = "attributeOrder"

    static func encode(_ attributes: [SDPAttribute], into c: inout KeyedEncodingContainer<SDPJSONKey>) throws {
        guard !attributes.isEmpty else { return }
        var order: [String] = []
        order.reserveCapacity(attributes.count)
        var groups: [String: [SDPAttribute]] = [:]
        for a in attributes {
            var key = SDPAttributeKind.invalidKey
            if let kind = SDPAttributeKind.byName[a.name], (try? kind.validate(a.value)) != nil,
               kind.isList || groups[kind.key] == nil {
                key = kind.key
            }
            order.append(key)
            groups[key, default: []].append(a)
        }
        for (key, items) in groups {
            let k = SDPJSONKey(stringValue: key)
            if let kind = SDPAttributeKind.byKey[key] {
                if kind.isList {
                    var arr = c.nestedUnkeyedContainer(forKey: k)
                    for a in items { try kind.encode(a, arr.superEncoder()) }
                } else {
                    try kind.encode(items[0], c.superEncoder(forKey: k))
                }
            } else {
                var arr = c.nestedUnkeyedContainer(forKey: k)
                for a in items {
                    var o = arr.nestedContainer(keyedBy: SDPJSONKey.self)
                    try o.encode(a.line, forKey: "value")
                }
            }
        }
        try c.encode(order, forKey: orderKey)
    }

    static func decode(from c: KeyedDecodingContainer<SDPJSONKey>) throws -> [SDPAttribute] {
        var pools: [String: [SDPAttribute]] = [:]
        for kind in SDPAttributeKind.all {
            let k = SDPJSONKey(stringValue: kind.key)
            guard c.contains(k), try !c.decodeNil(forKey: k) else { continue }
            if kind.isList {
                var arr = try c.nestedUnkeyedContainer(forKey: k)
                var items: [SDPAttribute] = []
                while !arr.isAtEnd { items.append(try kind.decode(try arr.superDecoder())) }
                pools[kind.key] = items
            } else {
                pools[kind.key] = [try kind.decode(try c.superDecoder(forKey: k))]
            }
        }
        let invalidKey = SDPJSONKey(stringValue: SDPAttributeKind.invalidKey)
        if c.contains(invalidKey), try !c.decodeNil(forKey: invalidKey) {
            var arr = try c.nestedUnkeyedContainer(forKey: invalidKey)
            var items: [SDPAttribute] = []
            while !arr.isAtEnd {
                let d = try arr.superDecoder()
                if let s = try? d.singleValueContainer().decode(String.self) {
                    items.append(SDPAttribute(line: s))
                } else {
                    let o = try d.container(keyedBy: SDPJSONKey.self)
                    items.append(SDPAttribute(line: try o.decode(String.self, forKey: "value")))
                }
            }
            pools[SDPAttributeKind.invalidKey] = items
        }
        let order = try c.decodeIfPresent([String].self, forKey: orderKey) ?? []
        var used: [String: Int] = [:]
        var result: [SDPAttribute] = []
        for key in order {
            guard let pool = pools[key] else { continue }
            let i = used[key, default: 0]
            guard i < pool.count else { continue }
            result.append(pool[i])
            used[key] = i + 1
        }
        for key in SDPAttributeKind.all.map(\.key) + [SDPAttributeKind.invalidKey] {
            guard let pool = pools[key] else { continue }
            result += pool[used[key, default: 0]...]
        }
        return result
    }
}
