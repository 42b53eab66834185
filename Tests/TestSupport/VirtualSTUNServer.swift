import RTCCore
import RTCSTUN

/// An RFC 5780 STUN server for tests, on any `DatagramSocketFactory` (a `VirtualHost` with two
/// IPs on a `VirtualNetwork`, usually): it listens on both IPs × two ports,
/// answers Binding requests with XOR-MAPPED-ADDRESS, OTHER-ADDRESS and RESPONSE-ORIGIN, and
/// honours CHANGE-REQUEST by answering from the other IP and/or port (§6, §7).
public final class VirtualSTUNServer {
    public let ips: [[UInt8]]
    public let ports: [UInt16]
    private var sockets: [[DatagramSocket]] = []  // [ip index][port index]
    /// Binding requests answered.
    public private(set) var requests = 0

    public init(host: DatagramSocketFactory, loop: EventLoop, ips: [[UInt8]], ports: [UInt16] = [3478, 3479]) throws {
        precondition(ips.count == 2 && ports.count == 2)
        self.ips = ips
        self.ports = ports
        for (i, ip) in ips.enumerated() {
            var row: [DatagramSocket] = []
            for (j, port) in ports.enumerated() {
                let s = try host.makeSocket(loop: loop, bindTo: TransportAddress(ip: ip, port: port)!)
                s.onDatagram = { [unowned self] bytes, from in self.handle(bytes, from: from, ip: i, port: j) }
                row.append(s)
            }
            sockets.append(row)
        }
    }

    /// The first IP and port: where clients start.
    public var primary: TransportAddress { TransportAddress(ip: ips[0], port: ports[0])! }

    private func handle(_ bytes: [UInt8], from: TransportAddress, ip i: Int, port j: Int) {
        guard let request = try? STUNMessage(decoding: bytes), request.messageClass == .request,
              request.method == .binding else { return }
        requests += 1
        var ri = i, rj = j
        if let change = request.changeRequest {
            if change.contains(.changeIP) { ri = 1 - i }
            if change.contains(.changePort) { rj = 1 - j }
        }
        let origin = sockets[ri][rj]
        var response = request.response()
        response.xorMappedAddress = from
        response.otherAddress = TransportAddress(ip: ips[1 - i], port: ports[1 - j])!
        response.responseOrigin = origin.localAddress
        response.addFingerprint()
        origin.send(response.encode(), to: from)
    }

    public func close() { for row in sockets { for s in row { s.close() } } }
}
