/// NAT mapping or filtering behaviour (RFC 5780 §4.3, §4.4; terms from RFC 4787 §4.1, §5).
public enum NATBehavior: String, Codable, Hashable, Sendable, CaseIterable {
    case endpointIndependent = "endpoint-independent"
    case addressDependent = "address-dependent"
    case addressAndPortDependent = "address-and-port-dependent"
}

/// The classic (RFC 3489 §5) name of a NAT, derived from RFC 5780 behaviours.
public enum NATType: String, Codable, Hashable, Sendable, CaseIterable {
    /// No NAT and no filtering: the mapped address is the local one.
    case openInternet = "open-internet"
    /// No NAT, but a firewall filters unsolicited inbound traffic.
    case symmetricUDPFirewall = "symmetric-udp-firewall"
    case fullCone = "full-cone"
    case restrictedCone = "restricted-cone"
    case portRestrictedCone = "port-restricted-cone"
    case symmetric
    /// No response to a plain Binding request at all.
    case udpBlocked = "udp-blocked"
    /// The server could not run the tests needed to tell (no OTHER-ADDRESS, for example).
    case unknown

    /// The classification table: RFC 3489's names from RFC 5780's behaviours.
    ///
    /// - Parameters:
    ///   - reachable: whether the basic Binding test (test I) got a response.
    ///   - natDetected: whether the mapped address differs from the local one; nil when the local
    ///     address is not known (bound to a wildcard).
    ///   - mapping: nil when the mapping tests could not run.
    ///   - filtering: nil when the filtering tests could not run.
    /// - Returns: `.unknown` whenever a needed behaviour is missing, never a guess. A symmetric
    ///   NAT needs only the mapping behaviour (its filtering does not change the name).
    public static func classify(reachable: Bool, natDetected: Bool?, mapping: NATBehavior?,
                                filtering: NATBehavior?) -> NATType {
        guard reachable else { return .udpBlocked }
        if natDetected == false {
            guard let filtering else { return .unknown }
            return filtering == .endpointIndependent ? .openInternet : .symmetricUDPFirewall
        }
        switch mapping {
        case nil: return .unknown
        case .addressDependent?, .addressAndPortDependent?: return .symmetric
        case .endpointIndependent?:
            switch filtering {
            case nil: return .unknown
            case .endpointIndependent?: return .fullCone
            case .addressDependent?: return .restrictedCone
            case .addressAndPortDependent?: return .portRestrictedCone
            }
        }
    }
}
