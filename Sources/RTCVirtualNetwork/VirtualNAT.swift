import RTCCore
import RTCSTUN

/// The translation table of a NAT router (RFC 4787). A mapping is keyed by the internal address
/// plus as much of the destination as the mapping behaviour looks at (§4.1); each mapping
/// remembers the remote endpoints it sent to, which the filtering behaviour checks (§5).
/// Mappings do not expire: tests run for seconds, far below the 2-minute minimum of §4.3.
final class VirtualNAT {
    struct MappingKey: Hashable {
        var inside: TransportAddress
        var remoteIP: [UInt8]?
        var remotePort: UInt16?
    }

    final class Mapping {
        let inside: TransportAddress
        let external: UInt16
        var contactedIPs: Set<[UInt8]> = []
        var contacted: Set<TransportAddress> = []

        init(inside: TransportAddress, external: UInt16) {
            self.inside = inside
            self.external = external
        }
    }

    let publicIP: [UInt8]
    let mapping: NATBehavior
    let filtering: NATBehavior
    let hairpinning: Bool
    private var byKey: [MappingKey: Mapping] = [:]
    private var byPort: [UInt16: Mapping] = [:]
    private var nextPort: UInt16 = 40_000

    init(publicIP: [UInt8], mapping: NATBehavior, filtering: NATBehavior, hairpinning: Bool) {
        self.publicIP = publicIP
        self.mapping = mapping
        self.filtering = filtering
        self.hairpinning = hairpinning
    }

    /// The public source address for a datagram from `inside` to `remote`; records the remote for filtering.
    func map(from inside: TransportAddress, to remote: TransportAddress) -> TransportAddress {
        let key: MappingKey
        switch mapping {
        case .endpointIndependent: key = MappingKey(inside: inside)
        case .addressDependent: key = MappingKey(inside: inside, remoteIP: remote.ip)
        case .addressAndPortDependent: key = MappingKey(inside: inside, remoteIP: remote.ip, remotePort: remote.port)
        }
        let m: Mapping
        if let existing = byKey[key] {
            m = existing
        } else {
            m = Mapping(inside: inside, external: nextPort)
            nextPort &+= 1
            byKey[key] = m
            byPort[m.external] = m
        }
        m.contactedIPs.insert(remote.ip)
        m.contacted.insert(remote)
        return TransportAddress(ip: publicIP, port: m.external)!
    }

    /// A NAT reboot (or a mapping timeout): every mapping is gone, and the next datagram out
    /// gets a new external port, so peers that knew the old one can no longer reach inside.
    func forgetMappings() {
        byKey.removeAll()
        byPort.removeAll()
    }

    /// The internal address a datagram from `remote` to public `port` goes to, or nil when no
    /// mapping has that port or the filter refuses the sender.
    func admit(from remote: TransportAddress, to port: UInt16) -> TransportAddress? {
        guard let m = byPort[port] else { return nil }
        switch filtering {
        case .endpointIndependent: return m.inside
        case .addressDependent: return m.contactedIPs.contains(remote.ip) ? m.inside : nil
        case .addressAndPortDependent: return m.contacted.contains(remote) ? m.inside : nil
        }
    }
}
