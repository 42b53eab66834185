import RTCCore

/// Splits what ICE delivers (STUN already taken out) by first byte, RFC 7983 §7: DTLS records
/// (20–63) go up to the DTLS transport through `onReceive`, RTP and RTCP (128–191) to the media
/// plane through `onMedia`; anything else is dropped. Sends pass straight down, so DTLS and SRTP
/// share the one ICE path (BUNDLE, RFC 9143).
///
/// Packets come up borrowed from the socket's receive buffer: media is handed on borrowed (the
/// media plane copies it once, into the buffer it unprotects in), DTLS as an array.
final class PacketDemux: PacketTransport {
    private let lower: PacketTransport
    /// DTLS datagrams.
    var onReceive: (([UInt8]) -> Void)?
    /// SRTP and SRTCP datagrams, still protected, borrowed for the duration of the call.
    var onMedia: ((UnsafeRawBufferPointer) -> Void)?
    /// Datagrams that were neither (ZRTP, TURN channel data on a direct path, junk).
    private(set) var dropped = 0

    init(lower: PacketTransport) {
        self.lower = lower
        lower.setBorrowingReceiver { [weak self] packet in self?.route(packet) }
    }

    private func route(_ packet: UnsafeRawBufferPointer) {
        guard let first = packet.first else { return }
        switch first {
        case 20...63: onReceive?(Array(packet))
        case 128...191: onMedia?(packet)
        default: dropped += 1
        }
    }

    @discardableResult
    func send(_ packet: [UInt8]) -> Bool { lower.send(packet) }

    @discardableResult
    func send(bytes packet: UnsafeRawBufferPointer) -> Bool { lower.send(bytes: packet) }
}
