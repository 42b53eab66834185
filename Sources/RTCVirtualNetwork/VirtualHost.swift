import RTCCore

/// A machine on a `VirtualNetwork` with one or more addresses. It is the socket factory for the
/// code that runs "on" it: give it to `PeerConnection.Configuration.socketFactory` (and its
/// `addresses` as `iceHosts`).
// @unchecked Sendable is safe: the mutable state (`link`, `sockets`, `nextPort`) is used only on the
// network's loop (`makeSocket` requires that loop; `send`/`receive` run from its sockets' loop tasks);
// another thread only carries the reference, inside a configuration, to that loop.
public final class VirtualHost: DatagramSocketFactory, @unchecked Sendable {
    unowned let router: VirtualRouter
    let ips: [[UInt8]]
    /// The link between this host and its router.
    public var link: VirtualLink
    var sockets: [TransportAddress: VirtualSocket] = [:]
    private var nextPort: UInt16 = 50_000

    init(router: VirtualRouter, ips: [[UInt8]], link: VirtualLink) {
        self.router = router
        self.ips = ips
        self.link = link
    }

    /// One transport address per IP, port 0: the `iceHosts` to gather on.
    public var addresses: [TransportAddress] { ips.compactMap { TransportAddress(ip: $0, port: 0) } }

    /// Binds `address`, which must be one of this host's IPs (a wildcard is not supported: tests
    /// name the address they mean). Port 0 picks the next free port from 50000.
    public func makeSocket(loop: EventLoop, bindTo address: TransportAddress) throws -> DatagramSocket {
        precondition(loop === router.network.loop, "a virtual socket runs on its network's loop")
        guard ips.contains(address.ip) else { throw VirtualNetworkError.addressNotLocal(address) }
        var bound = address
        if address.port == 0 {
            repeat {
                bound = TransportAddress(ip: address.ip, port: nextPort)!
                nextPort = nextPort == .max ? 50_000 : nextPort + 1
            } while sockets[bound] != nil
        } else if sockets[address] != nil {
            throw VirtualNetworkError.addressInUse(address)
        }
        let socket = VirtualSocket(host: self, localAddress: bound)
        sockets[bound] = socket
        return socket
    }

    /// Sends from one of our sockets: into the router over our link.
    func send(_ packet: VirtualPacket) {
        if packet.destination.ip == packet.source.ip {
            // To ourselves (loopback): no link, no router.
            router.network.loop.enqueue { [weak self] in self?.receive(packet) }
            return
        }
        let router = router
        router.network.transmit(packet, over: link) { router.route($0) }
    }

    func receive(_ packet: VirtualPacket) {
        guard let socket = sockets[packet.destination], let deliver = socket.onDatagram else {
            router.network.dropped += 1  // ICMP port unreachable, which UDP senders never see
            return
        }
        router.network.delivered += 1
        deliver(packet.payload, packet.source)
    }
}

/// A bound port on a `VirtualHost`.
final class VirtualSocket: DatagramSocket {
    private weak var host: VirtualHost?
    let localAddress: TransportAddress
    var onDatagram: (([UInt8], TransportAddress) -> Void)?
    private var closed = false

    init(host: VirtualHost, localAddress: TransportAddress) {
        self.host = host
        self.localAddress = localAddress
    }

    @discardableResult
    func send(_ bytes: [UInt8], to address: TransportAddress) -> Bool {
        guard !closed, let host else { return false }
        host.send(VirtualPacket(source: localAddress, destination: address, payload: bytes))
        return true
    }

    @discardableResult
    func send(bytes: UnsafeRawBufferPointer, to address: TransportAddress) -> Bool {
        send(Array(bytes), to: address)
    }

    func close() {
        guard !closed else { return }
        closed = true
        onDatagram = nil
        if let host, host.sockets[localAddress] === self { host.sockets[localAddress] = nil }
    }
}

public enum VirtualNetworkError: Error, CustomStringConvertible {
    case addressNotLocal(TransportAddress)
    case addressInUse(TransportAddress)

    public var description: String {
        switch self {
        case let .addressNotLocal(a): return "cannot bind \(a): not an address of this virtual host"
        case let .addressInUse(a): return "cannot bind \(a): address in use"
        }
    }
}
