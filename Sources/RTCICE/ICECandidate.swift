import RTCCore

/// An ICE candidate (RFC 8445 §5.1): a transport address a peer may be reached at.
public struct ICECandidate: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case host, srflx, prflx, relay

        /// Type preference (RFC 8445 §5.1.2.2 recommended values).
        var typePreference: UInt32 {
            switch self {
            case .host: return 126
            case .prflx: return 110
            case .srflx: return 100
            case .relay: return 0
            }
        }
    }

    public var foundation: String
    public var component: Int
    public var transport: String
    public var priority: UInt32
    public var address: TransportAddress
    public var kind: Kind
    public var relatedAddress: TransportAddress?

    public init(foundation: String, component: Int = 1, transport: String = "udp", priority: UInt32,
                address: TransportAddress, kind: Kind, relatedAddress: TransportAddress? = nil) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.kind = kind
        self.relatedAddress = relatedAddress
    }

    /// RFC 8445 §5.1.2.1: priority = 2^24·type + 2^8·local + (256 − component).
    public static func priority(kind: Kind, localPreference: UInt32, component: Int = 1) -> UInt32 {
        (kind.typePreference << 24) | ((localPreference & 0xFFFF) << 8) | UInt32(256 - component)
    }

    /// The SDP attribute value, `candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host`
    /// (what `a=` carries and what trickle JSON puts in `candidate`).
    public var description: String {
        var s = "candidate:\(foundation) \(component) \(transport.lowercased()) \(priority) "
            + "\(address.host) \(address.port) typ \(kind.rawValue)"
        if let r = relatedAddress { s += " raddr \(r.host) rport \(r.port)" }
        return s
    }
}
