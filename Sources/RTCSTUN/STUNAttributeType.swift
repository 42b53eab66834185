/// A STUN attribute type (RFC 8489 §14, §18.3; TURN RFC 8656 §18; ICE RFC 8445 §16.1;
/// NAT behaviour discovery RFC 5780 §7).
///
/// Types below 0x8000 are comprehension-required: a receiver that does not understand one must
/// reject the request with 420 (RFC 8489 §14, §7.3.1).
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// True for 0x0000...0x7FFF (RFC 8489 §14).
    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    // RFC 8489 §18.3.1 (comprehension-required)
    public static let mappedAddress = STUNAttributeType(0x0001)
    /// RFC 5780 §7.2.
    public static let changeRequest = STUNAttributeType(0x0003)
    public static let username = STUNAttributeType(0x0006)
    public static let messageIntegrity = STUNAttributeType(0x0008)
    public static let errorCode = STUNAttributeType(0x0009)
    public static let unknownAttributes = STUNAttributeType(0x000A)
    /// RFC 8656 §18.1.
    public static let channelNumber = STUNAttributeType(0x000C)
    /// RFC 8656 §18.2.
    public static let lifetime = STUNAttributeType(0x000D)
    /// RFC 8656 §18.3.
    public static let xorPeerAddress = STUNAttributeType(0x0012)
    /// RFC 8656 §18.4.
    public static let data = STUNAttributeType(0x0013)
    public static let realm = STUNAttributeType(0x0014)
    public static let nonce = STUNAttributeType(0x0015)
    /// RFC 8656 §18.5.
    public static let xorRelayedAddress = STUNAttributeType(0x0016)
    /// RFC 8656 §18.7.
    public static let requestedAddressFamily = STUNAttributeType(0x0017)
    /// RFC 8656 §18.6.
    public static let evenPort = STUNAttributeType(0x0018)
    /// RFC 8656 §18.8.
    public static let requestedTransport = STUNAttributeType(0x0019)
    /// RFC 8656 §18.9.
    public static let dontFragment = STUNAttributeType(0x001A)
    public static let messageIntegritySHA256 = STUNAttributeType(0x001C)
    public static let passwordAlgorithm = STUNAttributeType(0x001D)
    public static let userhash = STUNAttributeType(0x001E)
    public static let xorMappedAddress = STUNAttributeType(0x0020)
    /// RFC 8656 §18.10.
    public static let reservationToken = STUNAttributeType(0x0022)
    /// RFC 8445 §16.1.
    public static let priority = STUNAttributeType(0x0024)
    /// RFC 8445 §16.1.
    public static let useCandidate = STUNAttributeType(0x0025)
    /// RFC 5780 §7.4.
    public static let padding = STUNAttributeType(0x0026)
    /// RFC 5780 §7.5.
    public static let responsePort = STUNAttributeType(0x0027)

    // RFC 8489 §18.3.2 (comprehension-optional)
    public static let passwordAlgorithms = STUNAttributeType(0x8002)
    public static let alternateDomain = STUNAttributeType(0x8003)
    public static let software = STUNAttributeType(0x8022)
    public static let alternateServer = STUNAttributeType(0x8023)
    public static let fingerprint = STUNAttributeType(0x8028)
    /// RFC 8445 §16.1.
    public static let iceControlled = STUNAttributeType(0x8029)
    /// RFC 8445 §16.1.
    public static let iceControlling = STUNAttributeType(0x802A)
    /// RFC 5780 §7.3.
    public static let responseOrigin = STUNAttributeType(0x802B)
    /// RFC 5780 §7.4.
    public static let otherAddress = STUNAttributeType(0x802C)

    public var description: String {
        let name: String
        switch self {
        case .mappedAddress: name = "MAPPED-ADDRESS"
        case .changeRequest: name = "CHANGE-REQUEST"
        case .username: name = "USERNAME"
        case .messageIntegrity: name = "MESSAGE-INTEGRITY"
        case .errorCode: name = "ERROR-CODE"
        case .unknownAttributes: name = "UNKNOWN-ATTRIBUTES"
        case .channelNumber: name = "CHANNEL-NUMBER"
        case .lifetime: name = "LIFETIME"
        case .xorPeerAddress: name = "XOR-PEER-ADDRESS"
        case .data: name = "DATA"
        case .realm: name = "REALM"
        case .nonce: name = "NONCE"
        case .xorRelayedAddress: name = "XOR-RELAYED-ADDRESS"
        case .requestedAddressFamily: name = "REQUESTED-ADDRESS-FAMILY"
        case .evenPort: name = "EVEN-PORT"
        case .requestedTransport: name = "REQUESTED-TRANSPORT"
        case .dontFragment: name = "DONT-FRAGMENT"
        case .messageIntegritySHA256: name = "MESSAGE-INTEGRITY-SHA256"
        case .passwordAlgorithm: name = "PASSWORD-ALGORITHM"
        case .userhash: name = "USERHASH"
        case .xorMappedAddress: name = "XOR-MAPPED-ADDRESS"
        case .reservationToken: name = "RESERVATION-TOKEN"
        case .priority: name = "PRIORITY"
        case .useCandidate: name = "USE-CANDIDATE"
        case .padding: name = "PADDING"
        case .responsePort: name = "RESPONSE-PORT"
        case .passwordAlgorithms: name = "PASSWORD-ALGORITHMS"
        case .alternateDomain: name = "ALTERNATE-DOMAIN"
        case .software: name = "SOFTWARE"
        case .alternateServer: name = "ALTERNATE-SERVER"
        case .fingerprint: name = "FINGERPRINT"
        case .iceControlled: name = "ICE-CONTROLLED"
        case .iceControlling: name = "ICE-CONTROLLING"
        case .responseOrigin: name = "RESPONSE-ORIGIN"
        case .otherAddress: name = "OTHER-ADDRESS"
        default: return "0x" + String(rawValue, radix: 16)
        }
        return name
    }
}
