import RTCCore
import RTCRTP
import RTCPeerConnection

/// RTP from a local tool (ffmpeg, GStreamer, OBS) into a media section: binds `udp://HOST:PORT`
/// and sends each RTP datagram that arrives there through the transceiver, which sets the
/// negotiated payload type and SSRC. Sequence numbers and timestamps stay continuous when the
/// source restarts with new ones (`RTPStreamRewriter`). Datagrams that are not RTP (RTCP,
/// junk) are counted and dropped.
public final class RTPUDPSource {
    private let socket: DatagramSocket
    private let loop: EventLoop
    private weak var transceiver: MediaTransceiver?
    private var rewriter: RTPStreamRewriter
    /// The rewritten packet; kept between packets.
    private var buffer: [UInt8] = []
    /// Datagrams that did not parse as RTP.
    public private(set) var dropped = 0

    /// - Throws: `SocketError` when the address cannot be bound.
    public init(loop: EventLoop, address: TransportAddress, transceiver: MediaTransceiver,
                socketFactory: DatagramSocketFactory = UDPSocketFactory.shared) throws {
        self.loop = loop
        self.transceiver = transceiver
        rewriter = RTPStreamRewriter(
            ssrc: transceiver.ssrc, payloadType: transceiver.negotiated?.payloadType ?? 96,
            clockRate: transceiver.request.codec.clockRate, initialSequenceNumber: UInt16.random(in: 0...UInt16.max),
            initialTimestamp: UInt32.random(in: 0...UInt32.max))
        socket = try socketFactory.makeSocket(loop: loop, bindTo: address)
        socket.setBorrowingReceiver { [weak self] bytes, _ in self?.receive(bytes) }
    }

    /// The bound address (the port the system chose for port 0).
    public var localAddress: TransportAddress { socket.localAddress }

    public func close() { socket.close() }

    /// Rewritten from the socket's buffer into `buffer` and sent from there: no `RTPPacket`, no
    /// allocation per packet.
    private func receive(_ bytes: UnsafeRawBufferPointer) {
        // RTCP on a shared port (RFC 5761 §4) is not media.
        guard !RTCPPacket.isRTCP(bytes), let header = RTPHeaderView(parsing: bytes) else {
            dropped += 1
            return
        }
        // A replaced source's straggler is dropped.
        guard rewriter.rewrite(bytes, header: header, at: loop.now, into: &buffer) else { return }
        guard let transceiver else { return }
        buffer.withUnsafeBytes { _ = transceiver.send(rtp: $0) }
    }
}
