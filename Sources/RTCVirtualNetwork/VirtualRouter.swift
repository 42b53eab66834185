import RTCSTUN

/// A router of a `VirtualNetwork`: it knows its own hosts and the public addresses of the NATs
/// below it, and sends everything else up to its parent — through its NAT table when it is a NAT.
public final class VirtualRouter {
    unowned let network: VirtualNetwork
    weak var parent: VirtualRouter?
    /// The translation on the way to `parent`; nil for a plain router (the internet).
    let nat: VirtualNAT?
    /// The link to `parent`.
    public var uplink = VirtualLink()
    var hosts: [[UInt8]: VirtualHost] = [:]
    var children: [[UInt8]: VirtualRouter] = [:]

    init(network: VirtualNetwork, parent: VirtualRouter?, nat: VirtualNAT?) {
        self.network = network
        self.parent = parent
        self.nat = nat
    }

    /// The NAT's address on the parent's side, nil for a plain router.
    public var publicIP: [UInt8]? { nat?.publicIP }

    /// Adds a host with `addresses` (IPv4 or IPv6 bytes) on this router's network.
    @discardableResult
    public func addHost(_ addresses: [UInt8]..., link: VirtualLink = VirtualLink()) -> VirtualHost {
        let host = VirtualHost(router: self, ips: addresses, link: link)
        for ip in addresses {
            precondition(hosts[ip] == nil && children[ip] == nil, "address \(addresses) already used on this router")
            hosts[ip] = host
        }
        return host
    }

    /// Adds a NAT whose inside is a new router and whose outside is `publicIP` on this one.
    /// - Parameters:
    ///   - mapping: when a new external port is used (RFC 4787 §4.1).
    ///   - filtering: which inbound datagrams a mapping lets in (RFC 4787 §5).
    ///   - hairpinning: whether a datagram from inside to the NAT's own public address comes back
    ///     in (RFC 4787 §6).
    @discardableResult
    public func addNAT(publicIP: [UInt8], mapping: NATBehavior, filtering: NATBehavior, hairpinning: Bool = false,
                       uplink: VirtualLink = VirtualLink()) -> VirtualRouter {
        precondition(hosts[publicIP] == nil && children[publicIP] == nil, "address \(publicIP) already used")
        let nat = VirtualNAT(publicIP: publicIP, mapping: mapping, filtering: filtering, hairpinning: hairpinning)
        let router = VirtualRouter(network: network, parent: self, nat: nat)
        router.uplink = uplink
        children[publicIP] = router
        return router
    }

    /// Makes this router's NAT forget its mappings, as a NAT reboot or a mapping timeout does
    /// (what an ICE restart recovers from). No-op on a router without NAT.
    public func rebootNAT() {
        nat?.forgetMappings()
    }

    /// Routes a datagram that is on this router's network now.
    func route(_ packet: VirtualPacket) {
        let ip = packet.destination.ip
        if let host = hosts[ip] {
            network.transmit(packet, over: host.link) { host.receive($0) }
        } else if let child = children[ip] {
            network.transmit(packet, over: child.uplink) { child.inbound($0) }
        } else if let parent {
            guard let out = outbound(packet) else { network.dropped += 1; return }
            network.transmit(out, over: uplink) { parent.route($0) }
        } else {
            network.dropped += 1  // no route on the internet
        }
    }

    /// Leaving through the NAT: the source becomes the mapping's public address.
    private func outbound(_ packet: VirtualPacket) -> VirtualPacket? {
        guard let nat else { return packet }
        if packet.destination.ip == nat.publicIP && !nat.hairpinning { return nil }
        var out = packet
        out.source = nat.map(from: packet.source, to: packet.destination)
        return out
    }

    /// Arriving at the NAT's public address from the parent's side.
    func inbound(_ packet: VirtualPacket) {
        guard let nat, let inside = nat.admit(from: packet.source, to: packet.destination.port) else {
            network.dropped += 1
            return
        }
        var p = packet
        p.destination = inside
        route(p)
    }
}
