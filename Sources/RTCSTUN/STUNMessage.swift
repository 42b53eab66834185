/// A STUN message (RFC 8489 §5): class, method, transaction ID and an ordered list of attributes.
///
/// A pure value: `init(decoding:)` parses a datagram, `encode()` serializes, and nothing here does
/// I/O. Attributes are kept raw and in order, unknown ones included, so a decoded message
/// re-encodes to exactly the bytes it came from (padding too). Typed accessors are in
/// `STUNMessage-attributes.swift`, integrity and fingerprint in `STUNMessage-integrity.swift` and
/// `STUNMessage-fingerprint.swift`.
///
/// ```
/// var request = STUNMessage(.request, .binding)
/// request.username = "remote:local"
/// request.priority = 0x6e0001ff
/// request.addMessageIntegrity(key: STUNMessage.shortTermKey(password: pwd))
/// request.addFingerprint()
/// send(request.encode())
/// ```
public struct STUNMessage: Hashable, Sendable, CustomStringConvertible {
    /// The magic cookie, bytes 4..<8 of every RFC 5389/8489 message (RFC 8489 §5).
    public static let magicCookie: UInt32 = 0x2112_A442
    /// Size of the fixed header.
    public static let headerSize = 20

    public var messageClass: STUNMessageClass
    public var method: STUNMethod
    public var transactionID: STUNTransactionID
    /// Attributes in wire order.
    public var attributes: [STUNAttribute]

    /// A message with a fresh random transaction ID unless one is given.
    public init(_ messageClass: STUNMessageClass, _ method: STUNMethod,
                transactionID: STUNTransactionID = .random(), attributes: [STUNAttribute] = []) {
        self.messageClass = messageClass
        self.method = method
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// The 14-bit message type: method bits M0–M11 interleaved with class bits C0 (bit 4) and
    /// C1 (bit 8) (RFC 8489 §5, figure 3).
    public var messageType: UInt16 {
        Self.messageType(method: method, messageClass: messageClass)
    }

    static func messageType(method: STUNMethod, messageClass: STUNMessageClass) -> UInt16 {
        let m = method.rawValue
        let c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | (m & 0x0070) << 1 | (m & 0x0F80) << 2 | (c & 1) << 4 | (c & 2) << 7
    }

    /// Splits a 14-bit message type into method and class.
    static func split(messageType t: UInt16) -> (STUNMethod, STUNMessageClass) {
        let m = (t & 0x000F) | (t >> 1 & 0x0070) | (t >> 2 & 0x0F80)
        let c = UInt8(truncatingIfNeeded: (t >> 4 & 1) | (t >> 7 & 2))
        return (STUNMethod(rawValue: m), STUNMessageClass(rawValue: c)!)
    }

    /// A response to this request: same method and transaction ID, no attributes.
    public func response(_ messageClass: STUNMessageClass = .successResponse) -> STUNMessage {
        STUNMessage(messageClass, method, transactionID: transactionID)
    }

    public var description: String {
        "STUN \(method) \(messageClass) \(transactionID) [\(attributes.map(\.description).joined(separator: ", "))]"
    }
}
