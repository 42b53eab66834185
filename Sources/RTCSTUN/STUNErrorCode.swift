/// The value of an ERROR-CODE attribute (RFC 8489 §14.8): a code 300...699 and a UTF-8 reason
/// phrase. On the wire the code is split into class (hundreds, 3 bits) and number (0...99).
public struct STUNErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The full code, e.g. 401.
    public var code: Int
    /// Human-readable reason phrase; at most 763 bytes on the wire.
    public var reason: String

    public init(_ code: Int, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    /// The hundreds digit (3...6).
    public var errorClass: Int { code / 100 }
    /// The code modulo 100.
    public var number: Int { code % 100 }

    // RFC 8489 §14.8
    public static let tryAlternate = 300
    public static let badRequest = 400
    public static let unauthorized = 401
    public static let unknownAttribute = 420
    public static let staleNonce = 438
    public static let serverError = 500
    // RFC 8445 §7.3.1.1
    public static let roleConflict = 487
    // RFC 8656 §19
    public static let forbidden = 403
    public static let allocationMismatch = 437
    public static let addressFamilyNotSupported = 440
    public static let wrongCredentials = 441
    public static let unsupportedTransportProtocol = 442
    public static let peerAddressFamilyMismatch = 443
    public static let allocationQuotaReached = 486
    public static let insufficientCapacity = 508

    public var description: String { reason.isEmpty ? "\(code)" : "\(code) \(reason)" }
}

/// CHANGE-REQUEST flags (RFC 5780 §7.2): ask the server to answer from another IP and/or port.
public struct STUNChangeRequest: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The "A" flag.
    public static let changeIP = STUNChangeRequest(rawValue: 0x4)
    /// The "B" flag.
    public static let changePort = STUNChangeRequest(rawValue: 0x2)
}
