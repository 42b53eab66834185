import RTCCore
import RTCSTUN

/// The STUN messages ICE sends and the fields it reads from them (RFC 8445 §7.1.2, §7.3).
/// Keeps the agent's logic free of codec details.
enum ICEWire {
    /// A received STUN message, read the way ICE needs it.
    struct Message {
        let stun: STUNMessage

        var transactionID: STUNTransactionID { stun.transactionID }
        var isRequest: Bool { stun.messageClass == .request && stun.method == .binding }
        var isResponse: Bool { stun.messageClass.isResponse && stun.method == .binding }
        var isErrorResponse: Bool { stun.messageClass == .errorResponse }
        var username: String? { stun.username }
        var priority: UInt32? { stun.priority }
        var useCandidate: Bool { stun.useCandidate }
        var iceControlling: UInt64? { stun.iceControlling }
        var iceControlled: UInt64? { stun.iceControlled }
        var errorCode: Int? { stun.errorCode?.code }
        var mappedAddress: TransportAddress? { stun.xorMappedAddress ?? stun.mappedAddress }
        var hasIntegrity: Bool { stun.contains(.messageIntegrity) }

        /// MESSAGE-INTEGRITY keyed with a short-term password (RFC 8489 §9.1).
        func verifyIntegrity(password: String) -> Bool {
            (try? stun.verifyMessageIntegrity(key: STUNMessage.shortTermKey(password: password))) != nil
        }
    }

    /// Decodes a datagram; nil unless it is well-formed STUN whose FINGERPRINT (required in
    /// ICE, RFC 8445 §7.2.2) matches. STUN servers answering a plain Binding request need not
    /// add one (RFC 8489 §14.7): pass `requireFingerprint: false` for those.
    static func decode(_ bytes: [UInt8], requireFingerprint: Bool = true) -> Message? {
        guard let m = try? STUNMessage(decoding: bytes), !requireFingerprint || m.hasValidFingerprint else { return nil }
        return Message(stun: m)
    }

    static func newTransactionID(rng: inout any RandomNumberGenerator) -> STUNTransactionID {
        STUNTransactionID.random(using: &rng)
    }

    static func bindingRequest(id: STUNTransactionID, username: String, password: String, priority: UInt32,
                               role: ICERole, tieBreaker: UInt64, useCandidate: Bool) -> [UInt8] {
        var m = STUNMessage(.request, .binding, transactionID: id)
        m.username = username
        m.priority = priority
        switch role {
        case .controlling: m.iceControlling = tieBreaker
        case .controlled: m.iceControlled = tieBreaker
        }
        m.useCandidate = useCandidate
        return sealed(m, password: password)
    }

    static func plainBindingRequest(id: STUNTransactionID) -> [UInt8] {
        STUNMessage(.request, .binding, transactionID: id).encode()
    }

    static func bindingSuccess(id: STUNTransactionID, mapped: TransportAddress, password: String) -> [UInt8] {
        var m = STUNMessage(.successResponse, .binding, transactionID: id)
        m.xorMappedAddress = mapped
        return sealed(m, password: password)
    }

    static func errorResponse(id: STUNTransactionID, code: Int, reason: String, password: String?) -> [UInt8] {
        var m = STUNMessage(.errorResponse, .binding, transactionID: id)
        m.errorCode = STUNErrorCode(code, reason: reason)
        return sealed(m, password: password)
    }

    /// MESSAGE-INTEGRITY (when a password is given) then FINGERPRINT, as every ICE message has.
    /// Values from the peer's description are checked at the edge (RFC 8839 §5.4 lengths), so
    /// encoding cannot fail for them; if it ever did, an empty packet is dropped by `send`.
    private static func sealed(_ message: STUNMessage, password: String?) -> [UInt8] {
        var m = message
        if let password { m.addMessageIntegrity(key: STUNMessage.shortTermKey(password: password)) }
        m.addFingerprint()
        do {
            return try m.encoded()
        } catch {
            Log.warn("STUN message not sent: \(error)", "ice")
            return []
        }
    }
}
