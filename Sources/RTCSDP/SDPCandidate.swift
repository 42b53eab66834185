/// An ICE candidate as carried in `a=candidate:` lines and trickled `candidate:` strings
/// (RFC 8839 §5.1, with the `generation`, `ufrag`, `network-id` and `network-cost` extensions
/// browsers add).
///
/// Known extensions are typed fields; any other `name value` pairs are kept in `extensions`.
public struct SDPCandidate: SDPAttributeValue, Hashable, Sendable, CustomStringConvertible {
    public var foundation: String
    public var component: Int
    /// `udp` or `tcp` (case kept as received).
    public var transport: String
    public var priority: UInt64
    public var ip: String
    public var port: Int
    /// `host`, `srflx`, `prflx` or `relay`.
    public var type: String
    public var raddr: String?
    public var rport: Int?
    /// `active`, `passive` or `so` for TCP candidates (RFC 6544).
    public var tcptype: String?
    public var generation: Int?
    public var ufrag: String?
    public var networkId: Int?
    public var networkCost: Int?
    /// Other extension attributes in order.
    public var extensions: [Extension]

    /// An unrecognised `name value` pair after the candidate type.
    public struct Extension: Codable, Hashable, Sendable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(foundation: String, component: Int = 1, transport: String = "udp", priority: UInt64, ip: String,
                port: Int, type: String = "host", raddr: String? = nil, rport: Int? = nil, tcptype: String? = nil,
                generation: Int? = nil, ufrag: String? = nil, networkId: Int? = nil, networkCost: Int? = nil,
                extensions: [Extension] = []) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.ip = ip
        self.port = port
        self.type = type
        self.raddr = raddr
        self.rport = rport
        self.tcptype = tcptype
        self.generation = generation
        self.ufrag = ufrag
        self.networkId = networkId
        self.networkCost = networkCost
        self.extensions = extensions
    }

    /// Parses the text after `a=candidate:`; a leading `candidate:` or `a=candidate:` (as in a
    /// trickled `RTCIceCandidateInit.candidate`) is accepted too.
    /// - Throws: `SDPError.invalidLine` (line 1) naming the bad field.
    public static func parse(attributeValue: String) throws -> SDPCandidate {
        var text = attributeValue[...]
        if text.hasPrefix("a=") { text = text.dropFirst(2) }
        if text.hasPrefix("candidate:") { text = text.dropFirst("candidate:".count) }
        do {
            return try SDPCandidate(attributeValue: String(text))
        } catch let e as SDPValueError {
            throw SDPError.invalidLine(line: 1, text: attributeValue, reason: e.reason)
        }
    }

    public init(attributeValue: String) throws {
        // Trickled candidates arrive outside SDP: no control character may hide a line break.
        guard !attributeValue.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw SDPValueError("control character in candidate")
        }
        let f = SDPText.fields(attributeValue)
        guard f.count >= 8 else { throw SDPValueError("candidate needs at least 8 fields, found \(f.count)") }
        guard f[6] == "typ" else { throw SDPValueError("candidate field 7 must be \"typ\"") }
        guard (f.count - 8) % 2 == 0 else { throw SDPValueError("candidate extension \"\(f[f.count - 1].prefix(40))\" has no value") }
        // RFC 8839 §5.1: foundation 1*32ice-char, component-id 1..256, priority 1*10DIGIT (32 bits).
        guard f[0].utf8.count <= 32, ICEText.isIceChars(f[0]) else {
            throw SDPValueError("candidate foundation must be 1 to 32 ice-chars")
        }
        foundation = String(f[0])
        component = try SDPText.int(f[1], "component id", in: 1...256)
        transport = String(f[2])
        priority = try SDPText.uint64(f[3], "priority")
        guard priority <= UInt64(UInt32.max) else { throw SDPValueError("priority \(priority) out of range") }
        guard f[4].utf8.count <= 255 else { throw SDPValueError("candidate address longer than 255 bytes") }
        ip = String(f[4])
        port = try SDPText.int(f[5], "port", in: SDPText.ports)
        type = String(f[7])
        extensions = []
        var i = 8
        while i + 1 < f.count {
            let k = f[i], v = f[i + 1]
            switch k {
            case "raddr" where raddr == nil: raddr = String(v)
            case "rport" where rport == nil: rport = try SDPText.int(v, "rport", in: SDPText.ports)
            case "tcptype" where tcptype == nil: tcptype = String(v)
            case "generation" where generation == nil: generation = try SDPText.int(v, "generation")
            case "ufrag" where ufrag == nil:
                try ICEText.checkUfrag(v)
                ufrag = String(v)
            case "network-id" where networkId == nil: networkId = try SDPText.int(v, "network-id")
            case "network-cost" where networkCost == nil: networkCost = try SDPText.int(v, "network-cost")
            default: extensions.append(Extension(key: String(k), value: String(v)))
            }
            i += 2
        }
    }

    /// The canonical text after `a=candidate:`, extensions in the order browsers write them.
    public var attributeValue: String {
        var s = "\(foundation) \(component) \(transport) \(priority) \(ip) \(port) typ \(type)"
        if let raddr { s += " raddr \(raddr)" }
        if let rport { s += " rport \(rport)" }
        if let tcptype { s += " tcptype \(tcptype)" }
        if let generation { s += " generation \(generation)" }
        if let ufrag { s += " ufrag \(ufrag)" }
        if let networkId { s += " network-id \(networkId)" }
        if let networkCost { s += " network-cost \(networkCost)" }
        for e in extensions { s += " \(e.key) \(e.value)" }
        return s
    }

    /// `candidate:...`, the form of `RTCIceCandidateInit.candidate` for trickle ICE.
    public var description: String { "candidate:" + attributeValue }

    enum CodingKeys: String, CodingKey {
        case foundation, component, transport, priority, ip, port, type, raddr, rport, tcptype, generation, ufrag
        case networkId = "network-id", networkCost = "network-cost", extensions
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        foundation = try c.decode(SDPNumberText.self, forKey: .foundation).text
        component = try c.decode(Int.self, forKey: .component)
        transport = try c.decode(String.self, forKey: .transport)
        priority = try c.decode(UInt64.self, forKey: .priority)
        ip = try c.decode(String.self, forKey: .ip)
        port = try c.decode(Int.self, forKey: .port)
        type = try c.decode(String.self, forKey: .type)
        raddr = try c.decodeIfPresent(String.self, forKey: .raddr)
        rport = try c.decodeIfPresent(Int.self, forKey: .rport)
        tcptype = try c.decodeIfPresent(String.self, forKey: .tcptype)
        generation = try c.decodeIfPresent(Int.self, forKey: .generation)
        ufrag = try c.decodeIfPresent(String.self, forKey: .ufrag)
        networkId = try c.decodeIfPresent(Int.self, forKey: .networkId)
        networkCost = try c.decodeIfPresent(Int.self, forKey: .networkCost)
        extensions = try c.decodeIfPresent([Extension].self, forKey: .extensions) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SDPNumberText(foundation), forKey: .foundation)
        try c.encode(component, forKey: .component)
        try c.encode(transport, forKey: .transport)
        try c.encode(priority, forKey: .priority)
        try c.encode(ip, forKey: .ip)
        try c.encode(port, forKey: .port)
        try c.encode(type, forKey: .type)
        try c.encodeIfPresent(raddr, forKey: .raddr)
        try c.encodeIfPresent(rport, forKey: .rport)
        try c.encodeIfPresent(tcptype, forKey: .tcptype)
        try c.encodeIfPresent(generation, forKey: .generation)
        try c.encodeIfPresent(ufrag, forKey: .ufrag)
        try c.encodeIfPresent(networkId, forKey: .networkId)
        try c.encodeIfPresent(networkCost, forKey: .networkCost)
        if !extensions.isEmpty { try c.encode(extensions, forKey: .extensions) }
    }
}
