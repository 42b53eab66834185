import RTCCore
import RTCRTP
import RTCMedia

/// One media section of a connection (`RTCRtpTransceiver`): the RTP we send in it and the RTP
/// the peer sends us. Codec-free: packets go in and come out whole; payload type and SSRC are
/// set to the negotiated ones on the way out, so any RTP source (ffmpeg, a file packetizer) fits.
///
/// All methods must be called on the connection's event loop.
public final class MediaTransceiver {
    /// The section's `a=mid` (the offer's, when we answer).
    public internal(set) var mid: String
    /// What was asked for: codec and direction.
    public let request: MediaTransceiverInit
    /// What offer/answer settled; nil before, or when the section was rejected.
    public internal(set) var negotiated: NegotiatedMedia? {
        didSet {
            usesNACK = negotiated?.feedback.contains("nack") == true
            sendingPayloadType = negotiated.flatMap { $0.direction.sends ? $0.payloadType : nil }
            // RFC 4588 §8.1: our retransmissions go on the RTX SSRC once the RTX format is agreed.
            // A renegotiation that keeps it keeps the stream's sequence numbers (SRTP's replay
            // window would drop a restart behind them).
            guard let pt = negotiated?.rtxPayloadType else {
                rtx = nil
                return
            }
            if rtx?.payloadType != pt {
                rtx = RTXStream(ssrc: rtxSSRC, payloadType: pt, initialSequenceNumber: rtx?.nextSequenceNumber
                    ?? .random(in: 0...UInt16.max))
            }
        }
    }
    /// Whether the section negotiated generic NACK (RFC 4585 §4.2), looked up once, not per packet.
    private(set) var usesNACK = false
    /// The negotiated payload type when the section sends, else nil: read per packet instead of
    /// copying `negotiated` (strings and arrays) for each.
    private var sendingPayloadType: UInt8?
    /// The SSRC of what we send (RFC 3550 §8.1: random).
    public let ssrc: UInt32
    /// The SSRC of our retransmissions when RTX is negotiated (RFC 4588 §8.1), never `ssrc`.
    public let rtxSSRC: UInt32
    /// The peer's SSRC once known (from its description or its first packet).
    public internal(set) var remoteSSRC: UInt32?

    /// Each RTP packet the peer sends in this section, after SRTP authentication.
    public var onPacket: ((RTPPacket) -> Void)?
    /// The same packets in their wire form (plain RTP), borrowed for the duration of the call:
    /// for a consumer that forwards them as they are (`RTPUDPSink`), without an `RTPPacket`
    /// (and its payload array) per packet. Called before `onPacket`.
    public var onRTP: ((UnsafeRawBufferPointer) -> Void)?
    /// The peer asked for a keyframe (RTCP PLI or FIR, RFC 4585 §6.3.1, RFC 5104 §4.3.1).
    public var onKeyframeRequest: (() -> Void)?

    /// Counters for `stats` events.
    public internal(set) var statistics = MediaStatistics()

    /// Set by the connection's media plane once SRTP is keyed: protects and sends one packet
    /// (its wire form, borrowed).
    var output: ((UnsafeRawBufferPointer) -> Bool)?
    /// Where outgoing packets are serialized (or copied and stamped); kept between packets.
    private var wireBuffer: [UInt8] = []
    /// Where `receive(_:at:repaired:)` serializes a packet for `onRTP`; kept between packets.
    var receiveBuffer: [UInt8] = []
    /// Sends RTCP (feedback) for this section; set with `output`.
    var rtcpOutput: (([RTCPPacket]) -> Void)?
    /// The loop's clock, for statistics and retransmission timing; set with `output`.
    var clock: (() -> LoopInstant)?
    /// Told when a new gap makes a NACK due at the given instant (the media plane's timer).
    var onNACKDue: ((LoopInstant) -> Void)?

    // RTCP state (RFC 3550 §6, RFC 4585), see MediaTransceiver+RTCP.swift.
    var senderStatistics: RTPSenderStatistics
    var receiverStatistics: RTPReceiverStatistics?
    var history = RTPSendHistory()
    var nackGenerator = NACKGenerator()
    /// Our retransmission stream; nil when RTX was not negotiated (resends reuse `ssrc`).
    var rtx: RTXStream?

    init(mid: String, request: MediaTransceiverInit) {
        self.mid = mid
        self.request = request
        let ssrc = UInt32.random(in: 1...UInt32.max)
        self.ssrc = ssrc
        var rtxSSRC = UInt32.random(in: 1...UInt32.max)
        while rtxSSRC == ssrc { rtxSSRC = UInt32.random(in: 1...UInt32.max) }
        self.rtxSSRC = rtxSSRC
        senderStatistics = RTPSenderStatistics(ssrc: ssrc, clockRate: request.codec.clockRate)
    }

    public var kind: MediaCodec.Kind { request.codec.kind }

    /// Sends one RTP packet with our payload type and SSRC; its sequence number, timestamp,
    /// marker and payload go out as given.
    /// - Returns: false when the section does not send, or the transport is not up yet.
    @discardableResult
    public func send(_ packet: RTPPacket) -> Bool {
        guard let pt = sendingPayloadType, let output else { return false }
        var p = packet
        p.payloadType = pt
        p.ssrc = ssrc
        wireBuffer.removeAll(keepingCapacity: true)
        p.append(to: &wireBuffer)
        guard wireBuffer.withUnsafeBytes(output) else { return false }
        sent(sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, payloadLength: p.payload.count)
        return true
    }

    /// `send(_:)` for a packet given in its wire form (plain RTP, borrowed for the call): it is
    /// copied once, our payload type and SSRC written into the copy, and sent; no `RTPPacket`.
    /// - Returns: false when the section does not send, the transport is not up yet, or the
    ///   bytes are not an RTP packet.
    @discardableResult
    public func send(rtp bytes: UnsafeRawBufferPointer) -> Bool {
        guard let pt = sendingPayloadType, let output, let header = RTPHeaderView(parsing: bytes) else { return false }
        wireBuffer.removeAll(keepingCapacity: true)
        wireBuffer.append(contentsOf: bytes)
        let ssrc = ssrc
        wireBuffer.withUnsafeMutableBytes { RTPHeaderView.set(payloadType: pt, ssrc: ssrc, in: $0) }
        guard wireBuffer.withUnsafeBytes(output) else { return false }
        sent(sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, payloadLength: header.payloadLength)
        return true
    }

    /// Counts the packet in `wireBuffer` as sent and keeps it for NACKs.
    private func sent(sequenceNumber: UInt16, timestamp: UInt32, payloadLength: Int) {
        statistics.packetsSent += 1
        statistics.bytesSent += UInt64(payloadLength)
        if let now = clock?() {
            senderStatistics.sent(timestamp: timestamp, payloadLength: payloadLength, at: now)
            if usesNACK {
                wireBuffer.withUnsafeBytes { history.record(wire: $0, sequenceNumber: sequenceNumber, at: now) }
            }
        }
    }

    /// Asks the peer for a keyframe with a PLI (RFC 4585 §6.3.1), when it honours them.
    public func requestKeyframe() {
        guard negotiated?.feedback.contains("nack pli") == true, let remoteSSRC, let rtcpOutput else { return }
        statistics.keyframeRequestsSent += 1
        rtcpOutput([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: ssrc, mediaSSRC: remoteSSRC))])
    }
}

/// Per-section counters (the `RTCOutboundRtpStreamStats`/`RTCInboundRtpStreamStats` subset we keep).
public struct MediaStatistics: Sendable, Equatable {
    public var packetsSent: UInt64 = 0
    public var bytesSent: UInt64 = 0
    public var packetsReceived: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    /// Packets the peer's reports say it lost of ours, and that we lost of its (RFC 3550 §6.4.1).
    public var packetsLostByPeer: Int64 = 0
    public var packetsLost: Int64 = 0
    /// Interarrival jitter of what we receive, in seconds.
    public var jitter: Double = 0
    /// Round trip from the peer's reports on what we send, in seconds.
    public var roundTripTime: Double?
    public var nacksSent: UInt64 = 0
    public var nacksReceived: UInt64 = 0
    public var retransmitted: UInt64 = 0
    /// Of `retransmitted`, those sent as RTX (RFC 4588) on `rtxSSRC`.
    public var rtxPacketsSent: UInt64 = 0
    /// RTX packets from the peer unwrapped into its stream (padding-only RTX not counted).
    public var retransmissionsReceived: UInt64 = 0
    public var keyframeRequestsSent: UInt64 = 0
    public var keyframeRequestsReceived: UInt64 = 0

    public init() {}
}
