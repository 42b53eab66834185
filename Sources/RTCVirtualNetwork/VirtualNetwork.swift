import RTCCore

/// An in-process IP network for tests (pion/transport's `vnet` is the model): hosts with
/// addresses, routers, NATs with the RFC 4787 mapping and filtering behaviours, and links with
/// delay, jitter (reordering), seeded loss and an MTU. Every hop is a task or timer on one event
/// loop, so on a `ManualEventLoop` a whole session — ICE, STUN, DTLS, SCTP — runs
/// deterministically in one process, with no sockets and no root.
///
/// ```
/// let net = VirtualNetwork(loop: loop)
/// let nat = net.internet.addNAT(publicIP: [203, 0, 113, 1], mapping: .endpointIndependent,
///                               filtering: .addressAndPortDependent)
/// let alice = nat.addHost([10, 0, 0, 2])
/// var config = PeerConnection.Configuration()
/// config.socketFactory = alice
/// config.iceHosts = alice.addresses
/// ```
///
/// The topology is a tree: `internet` is the root router; a NAT is a router with one public
/// address on its parent's side. A packet climbs from its host's router toward the root until
/// some router knows the destination IP (one of its hosts, or the public IP of one of its NATs),
/// then descends. Nothing here is thread-safe: use it on `loop`.
public final class VirtualNetwork {
    public let loop: EventLoop
    /// The public side: hosts here have no NAT in front of them.
    public private(set) var internet: VirtualRouter!
    var rng: SplitMix64
    /// Datagrams dropped (loss, MTU, no route, no mapping, filtered, no socket), for inspection.
    public internal(set) var dropped = 0
    /// Datagrams handed to a socket.
    public internal(set) var delivered = 0

    /// - Parameters:
    ///   - seed: seeds loss and jitter, so a run is reproducible.
    public init(loop: EventLoop, seed: UInt64 = 1) {
        self.loop = loop
        rng = SplitMix64(seed: seed)
        internet = VirtualRouter(network: self, parent: nil, nat: nil)
    }

    /// A uniform draw in [0, 1).
    func random() -> Double { Double(rng.next() >> 11) / Double(UInt64(1) << 53) }

    /// Carries `packet` over `link`, then calls `arrive` (on the loop), unless the link drops it.
    func transmit(_ packet: VirtualPacket, over link: VirtualLink, _ arrive: @escaping (VirtualPacket) -> Void) {
        // IPv4 + UDP headers (28 bytes) count against the MTU; no fragmentation (DF, as WebRTC sets).
        if packet.payload.count + 28 > link.mtu || (link.loss > 0 && random() < link.loss) {
            dropped += 1
            return
        }
        var delay = link.delay
        if link.jitter > .zero { delay += link.jitter * random() }
        if delay == .zero {
            loop.enqueue { arrive(packet) }
        } else {
            loop.schedule(in: delay) { arrive(packet) }
        }
    }
}

/// One UDP datagram in flight.
struct VirtualPacket {
    var source: TransportAddress
    var destination: TransportAddress
    var payload: [UInt8]
}

/// What a link does to the datagrams that cross it (both directions).
public struct VirtualLink: Sendable {
    /// One-way propagation delay.
    public var delay: Duration = .zero
    /// Extra delay drawn uniformly from [0, jitter) per datagram: datagrams overtake each other.
    public var jitter: Duration = .zero
    /// Fraction of datagrams lost, 0...1 (1 blocks the link: "UDP blocked").
    public var loss: Double = 0
    /// Largest IP packet (payload + 28 bytes of IPv4/UDP header) that passes; larger ones are dropped.
    public var mtu = 1500

    public init(delay: Duration = .zero, jitter: Duration = .zero, loss: Double = 0, mtu: Int = 1500) {
        self.delay = delay
        self.jitter = jitter
        self.loss = loss
        self.mtu = mtu
    }
}
