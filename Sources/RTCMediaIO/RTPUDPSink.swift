import RTCCore
import RTCRTP
import RTCPeerConnection

/// A media section's incoming RTP out to a local tool (ffplay, VLC, GStreamer): each packet the
/// peer sends goes as a plain RTP datagram to `udp://HOST:PORT`, as it arrived. Sends never
/// block: a port nobody reads loses datagrams, never stalls the connection.
public final class RTPUDPSink {
    private let socket: DatagramSocket
    private let destination: TransportAddress

    /// - Throws: `SocketError` when no local socket can be bound.
    public init(loop: EventLoop, destination: TransportAddress, transceiver: MediaTransceiver,
                socketFactory: DatagramSocketFactory = UDPSocketFactory.shared) throws {
        self.destination = destination
        let any = destination.family == .ipv6 ? TransportAddress(host: "::", port: 0)! : TransportAddress(ipv4: 0, 0, 0, 0, port: 0)
        socket = try socketFactory.makeSocket(loop: loop, bindTo: any)
        socket.onDatagram = { _, _ in }  // RTCP from the player: not used
        let previous = transceiver.onRTP
        transceiver.onRTP = { [weak self] bytes in
            previous?(bytes)
            self?.forward(bytes)
        }
    }

    public func close() { socket.close() }

    /// The packet's bytes as they came out of SRTP, copied into the socket's send batch.
    private func forward(_ bytes: UnsafeRawBufferPointer) {
        socket.send(bytes: bytes, to: destination)
    }

    /// An SDP file describing plain RTP on the sinks' ports, for `ffplay -protocol_whitelist
    /// file,udp,rtp -i FILE` or VLC (`--sdp-out`).
    public static func sessionDescription(_ sinks: [(transceiver: MediaTransceiver, destination: TransportAddress)]) -> String {
        var lines = ["v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=rtc", "t=0 0"]
        for (t, address) in sinks {
            guard let n = t.negotiated else { continue }
            let ipVersion = address.family == .ipv6 ? "IP6" : "IP4"
            lines.append("m=\(n.kind.rawValue) \(address.port) RTP/AVP \(n.payloadType)")
            lines.append("c=IN \(ipVersion) \(address.host)")
            let channels = n.codec.channels.map { "/\($0)" } ?? ""
            lines.append("a=rtpmap:\(n.payloadType) \(n.codec.encodingName)/\(n.codec.clockRate)\(channels)")
            if let fmtp = n.formatParameters { lines.append("a=fmtp:\(n.payloadType) \(fmtp)") }
            lines.append("a=recvonly")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
