/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
public struct SDPOrigin: Equatable, Hashable, Sendable {
    public var username: String
    /// Decimal digits; kept as text because browsers use 64-bit values and RFC 8866 sets no limit.
    public var sessionId: String
    public var sessionVersion: String
    public var netType: String
    /// 4 or 6.
    public var ipVer: Int
    public var address: String

    public init(username: String = "-", sessionId: String, sessionVersion: String = "0", netType: String = "IN",
                ipVer: Int = 4, address: String = "0.0.0.0") {
        self.username = username
        self.sessionId = sessionId
        self.sessionVersion = sessionVersion
        self.netType = netType
        self.ipVer = ipVer
        self.address = address
    }

    init(value: String) throws {
        let f = SDPText.fields(value)
        guard f.count == 6 else { throw SDPValueError("o= needs 6 fields, found \(f.count)") }
        guard SDPText.isDigits(f[1]) else { throw SDPValueError("invalid session id \"\(f[1].prefix(40))\"") }
        guard SDPText.isDigits(f[2]) else { throw SDPValueError("invalid session version \"\(f[2].prefix(40))\"") }
        username = String(f[0])
        sessionId = String(f[1])
        sessionVersion = String(f[2])
        netType = String(f[3])
        ipVer = try Self.ipVersion(f[4])
        address = String(f[5])
    }

    var value: String { "\(username) \(sessionId) \(sessionVersion) \(netType) IP\(ipVer) \(address)" }

    static func ipVersion(_ s: Substring) throws -> Int {
        switch s {
        case "IP4": return 4
        case "IP6": return 6
        default: throw SDPValueError("invalid address type \"\(s.prefix(40))\" (expected IP4 or IP6)")
        }
    }
}

/// `c=IN <addrtype> <connection-address>` (RFC 8866 §5.7). `ip` keeps any `/ttl/count` suffix.
public struct SDPConnection: Codable, Equatable, Hashable, Sendable {
    public var version: Int
    public var ip: String

    public init(version: Int = 4, ip: String) {
        self.version = version
        self.ip = ip
    }

    init(value: String) throws {
        let f = SDPText.fields(value)
        guard f.count == 3 else { throw SDPValueError("c= needs 3 fields, found \(f.count)") }
        guard f[0] == "IN" else { throw SDPValueError("unsupported network type \"\(f[0].prefix(40))\"") }
        version = try SDPOrigin.ipVersion(f[1])
        ip = String(f[2])
    }

    var value: String { "IN IP\(version) \(ip)" }
}

/// `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8), e.g. `AS:512` or `TIAS:64000`.
public struct SDPBandwidth: Codable, Equatable, Hashable, Sendable {
    public var type: String
    public var limit: UInt64

    public init(type: String, limit: UInt64) {
        self.type = type
        self.limit = limit
    }

    init(value: String) throws {
        guard let colon = value.firstIndex(of: ":"), colon != value.startIndex else {
            throw SDPValueError("b= needs <bwtype>:<bandwidth>")
        }
        type = String(value[..<colon])
        limit = try SDPText.uint64(value[value.index(after: colon)...], "bandwidth")
    }

    var value: String { "\(type):\(limit)" }
}

/// `t=<start-time> <stop-time>` with its `r=` lines (RFC 8866 §5.9, §5.10). WebRTC uses `t=0 0`.
public struct SDPTiming: Codable, Equatable, Hashable, Sendable {
    public var start: UInt64
    public var stop: UInt64
    /// The verbatim text of each following `r=` line.
    public var repeats: [String]

    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }

    init(value: String) throws {
        let f = SDPText.fields(value)
        guard f.count == 2 else { throw SDPValueError("t= needs <start> <stop>") }
        start = try SDPText.uint64(f[0], "start time")
        stop = try SDPText.uint64(f[1], "stop time")
        repeats = []
    }

    var value: String { "\(start) \(stop)" }

    enum CodingKeys: String, CodingKey { case start, stop, repeats }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        start = try c.decode(UInt64.self, forKey: .start)
        stop = try c.decode(UInt64.self, forKey: .stop)
        repeats = try c.decodeIfPresent([String].self, forKey: .repeats) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(start, forKey: .start)
        try c.encode(stop, forKey: .stop)
        if !repeats.isEmpty { try c.encode(repeats, forKey: .repeats) }
    }
}

extension SDPOrigin: Codable {
    enum CodingKeys: String, CodingKey { case username, sessionId, sessionVersion, netType, ipVer, address }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        username = try c.decode(String.self, forKey: .username)
        sessionId = try c.decode(SDPNumberText.self, forKey: .sessionId).text
        sessionVersion = try c.decode(SDPNumberText.self, forKey: .sessionVersion).text
        netType = try c.decodeIfPresent(String.self, forKey: .netType) ?? "IN"
        ipVer = try c.decodeIfPresent(Int.self, forKey: .ipVer) ?? 4
        address = try c.decode(String.self, forKey: .address)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(username, forKey: .username)
        try c.encode(SDPNumberText(sessionId), forKey: .sessionId)
        try c.encode(SDPNumberText(sessionVersion), forKey: .sessionVersion)
        try c.encode(netType, forKey: .netType)
        try c.encode(ipVer, forKey: .ipVer)
        try c.encode(address, forKey: .address)
    }
}
