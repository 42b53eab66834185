import RTCCore

/// Raw and typed access to attributes.
///
/// Getters follow the receiver rule of RFC 8489 §14.5–§14.7: attributes after MESSAGE-INTEGRITY
/// (other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT) and after FINGERPRINT are ignored, so
/// bytes appended to a signed message cannot smuggle values in. Getters return nil when the
/// attribute is absent or its value is malformed.
///
/// Setters replace the first attribute of that type or append one; assigning nil removes every
/// attribute of that type. Set attributes before `addMessageIntegrity`/`addFingerprint`:
/// anything appended after them is not covered (and is ignored by receivers). Values that
/// are XORed with the transaction ID use the ID at the time of setting.
extension STUNMessage {
    // MARK: Raw access

    /// Index of the first attribute of `type` that receivers honour, per RFC 8489 §14.5–§14.7.
    func effectiveIndex(of type: STUNAttributeType) -> Int? {
        for (i, a) in attributes.enumerated() {
            if a.type == type { return i }
            switch a.type {
            case .fingerprint: return nil
            case .messageIntegrity where type != .messageIntegritySHA256 && type != .fingerprint: return nil
            case .messageIntegritySHA256 where type != .fingerprint: return nil
            default: continue
            }
        }
        return nil
    }

    /// The first honoured attribute of `type`, if any.
    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        effectiveIndex(of: type).map { attributes[$0] }
    }

    /// Every attribute of `type` before MESSAGE-INTEGRITY/FINGERPRINT, in order (XOR-PEER-ADDRESS
    /// may repeat in CreatePermission, RFC 8656 §9.1).
    public func attributes(_ type: STUNAttributeType) -> [STUNAttribute] {
        var out: [STUNAttribute] = []
        for a in attributes {
            if a.type == type { out.append(a) }
            if a.type == .messageIntegrity || a.type == .messageIntegritySHA256 || a.type == .fingerprint { break }
        }
        return out
    }

    /// True if an honoured attribute of `type` is present.
    public func contains(_ type: STUNAttributeType) -> Bool { effectiveIndex(of: type) != nil }

    /// Appends an attribute.
    public mutating func append(_ type: STUNAttributeType, _ value: [UInt8]) {
        attributes.append(STUNAttribute(type: type, value: value))
    }

    /// Replaces the value of the first attribute of `type`, or appends one.
    public mutating func set(_ type: STUNAttributeType, _ value: [UInt8]) {
        if let i = attributes.firstIndex(where: { $0.type == type }) {
            attributes[i] = STUNAttribute(type: type, value: value)
        } else {
            append(type, value)
        }
    }

    /// Removes every attribute of `type`.
    public mutating func remove(_ type: STUNAttributeType) {
        attributes.removeAll { $0.type == type }
    }

    private mutating func set(_ type: STUNAttributeType, _ value: [UInt8]?) {
        if let value { set(type, value) } else { remove(type) }
    }

    private func text(_ type: STUNAttributeType) -> String? {
        attribute(type).map { String(decoding: $0.value, as: UTF8.self) }
    }

    private func address(_ type: STUNAttributeType, xor: Bool) -> TransportAddress? {
        guard let a = attribute(type) else { return nil }
        return try? Self.decodeAddress(a, offset: 0, xor: xor ? transactionID : nil)
    }

    private mutating func setAddress(_ type: STUNAttributeType, _ address: TransportAddress?, xor: Bool) {
        set(type, address.map { Self.encodeAddress($0, xor: xor ? transactionID : nil) })
    }

    // MARK: Addresses

    /// MAPPED-ADDRESS (RFC 8489 §14.1): the reflexive address, un-XORed (RFC 3489 servers).
    public var mappedAddress: TransportAddress? {
        get { address(.mappedAddress, xor: false) }
        set { setAddress(.mappedAddress, newValue, xor: false) }
    }

    /// XOR-MAPPED-ADDRESS (RFC 8489 §14.2): the reflexive address, XORed with cookie and ID.
    public var xorMappedAddress: TransportAddress? {
        get { address(.xorMappedAddress, xor: true) }
        set { setAddress(.xorMappedAddress, newValue, xor: true) }
    }

    /// XOR-PEER-ADDRESS (RFC 8656 §18.3): the first peer address.
    public var xorPeerAddress: TransportAddress? {
        get { address(.xorPeerAddress, xor: true) }
        set { setAddress(.xorPeerAddress, newValue, xor: true) }
    }

    /// Every XOR-PEER-ADDRESS (CreatePermission may carry several, RFC 8656 §9.1). Malformed ones
    /// are skipped. Setting replaces them all, appended in order.
    public var xorPeerAddresses: [TransportAddress] {
        get {
            attributes(.xorPeerAddress).compactMap { try? Self.decodeAddress($0, offset: 0, xor: transactionID) }
        }
        set {
            remove(.xorPeerAddress)
            for a in newValue { append(.xorPeerAddress, Self.encodeAddress(a, xor: transactionID)) }
        }
    }

    /// XOR-RELAYED-ADDRESS (RFC 8656 §18.5): the relayed transport address of an allocation.
    public var xorRelayedAddress: TransportAddress? {
        get { address(.xorRelayedAddress, xor: true) }
        set { setAddress(.xorRelayedAddress, newValue, xor: true) }
    }

    /// RESPONSE-ORIGIN (RFC 5780 §7.3): where the response was sent from.
    public var responseOrigin: TransportAddress? {
        get { address(.responseOrigin, xor: false) }
        set { setAddress(.responseOrigin, newValue, xor: false) }
    }

    /// OTHER-ADDRESS (RFC 5780 §7.4): the server's alternate IP and port.
    public var otherAddress: TransportAddress? {
        get { address(.otherAddress, xor: false) }
        set { setAddress(.otherAddress, newValue, xor: false) }
    }

    /// ALTERNATE-SERVER (RFC 8489 §14.15), with a 300 Try Alternate.
    public var alternateServer: TransportAddress? {
        get { address(.alternateServer, xor: false) }
        set { setAddress(.alternateServer, newValue, xor: false) }
    }

    // MARK: Text

    /// USERNAME (RFC 8489 §14.3); in ICE `remote-ufrag:local-ufrag` (RFC 8445 §7.2.2).
    public var username: String? {
        get { text(.username) }
        set { set(.username, newValue.map { Array($0.utf8) }) }
    }

    /// REALM (RFC 8489 §14.9).
    public var realm: String? {
        get { text(.realm) }
        set { set(.realm, newValue.map { Array($0.utf8) }) }
    }

    /// NONCE (RFC 8489 §14.10).
    public var nonce: String? {
        get { text(.nonce) }
        set { set(.nonce, newValue.map { Array($0.utf8) }) }
    }

    /// SOFTWARE (RFC 8489 §14.14).
    public var software: String? {
        get { text(.software) }
        set { set(.software, newValue.map { Array($0.utf8) }) }
    }

    // MARK: Errors

    /// ERROR-CODE (RFC 8489 §14.8).
    public var errorCode: STUNErrorCode? {
        get { attribute(.errorCode).flatMap { try? Self.decodeErrorCode($0, offset: 0) } }
        set { set(.errorCode, newValue.map(Self.encodeErrorCode)) }
    }

    /// UNKNOWN-ATTRIBUTES (RFC 8489 §14.13): the comprehension-required types a 420 response
    /// reports. A trailing odd byte is ignored.
    public var unknownAttributes: [STUNAttributeType]? {
        get {
            guard let v = attribute(.unknownAttributes)?.value else { return nil }
            return stride(from: 0, to: v.count - 1, by: 2).map { STUNAttributeType(UInt16(v[$0]) << 8 | UInt16(v[$0 + 1])) }
        }
        set {
            set(.unknownAttributes, newValue.map { types in
                var w = ByteWriter(capacity: types.count * 2)
                for t in types { w.write(t.rawValue) }
                return w.bytes
            })
        }
    }

    // MARK: ICE (RFC 8445 §7.1.1, §16.1)

    /// PRIORITY: the priority a peer-reflexive candidate would get.
    public var priority: UInt32? {
        get { attribute(.priority).flatMap { Self.decodeUInt32($0.value) } }
        set { set(.priority, newValue.map(Self.encode)) }
    }

    /// USE-CANDIDATE: a flag with an empty value; the controlling agent nominates with it.
    public var useCandidate: Bool {
        get { contains(.useCandidate) }
        set { set(.useCandidate, newValue ? [] : nil) }
    }

    /// ICE-CONTROLLED: the sender's 64-bit tie-breaker, sent while controlled.
    public var iceControlled: UInt64? {
        get { attribute(.iceControlled).flatMap { Self.decodeUInt64($0.value) } }
        set { set(.iceControlled, newValue.map(Self.encode)) }
    }

    /// ICE-CONTROLLING: the sender's 64-bit tie-breaker, sent while controlling.
    public var iceControlling: UInt64? {
        get { attribute(.iceControlling).flatMap { Self.decodeUInt64($0.value) } }
        set { set(.iceControlling, newValue.map(Self.encode)) }
    }

    // MARK: NAT behaviour discovery (RFC 5780 §7.2)

    /// CHANGE-REQUEST: ask the server to reply from another IP and/or port.
    public var changeRequest: STUNChangeRequest? {
        get { attribute(.changeRequest).flatMap { Self.decodeUInt32($0.value) }.map { STUNChangeRequest(rawValue: $0) } }
        set { set(.changeRequest, newValue.map { Self.encode($0.rawValue) }) }
    }

    // MARK: TURN (RFC 8656 §18)

    /// LIFETIME in seconds (§18.2).
    public var lifetime: UInt32? {
        get { attribute(.lifetime).flatMap { Self.decodeUInt32($0.value) } }
        set { set(.lifetime, newValue.map(Self.encode)) }
    }

    /// DATA (§18.4): the application payload of Send and Data indications.
    public var data: [UInt8]? {
        get { attribute(.data)?.value }
        set { set(.data, newValue) }
    }

    /// REQUESTED-TRANSPORT (§18.8): an IP protocol number, 17 for UDP, followed by 3 RFFU bytes.
    public var requestedTransport: UInt8? {
        get {
            guard let v = attribute(.requestedTransport)?.value, v.count == 4 else { return nil }
            return v[0]
        }
        set { set(.requestedTransport, newValue.map { [$0, 0, 0, 0] }) }
    }

    /// CHANNEL-NUMBER (§18.1): 0x4000...0x4FFF, followed by 2 RFFU bytes. The getter returns
    /// whatever number is on the wire; range checks belong to the TURN layer (§12.2).
    public var channelNumber: UInt16? {
        get { attribute(.channelNumber).flatMap { Self.decodeUInt32($0.value) }.map { UInt16($0 >> 16) } }
        set { set(.channelNumber, newValue.map { Self.encode(UInt32($0) << 16) }) }
    }
}
