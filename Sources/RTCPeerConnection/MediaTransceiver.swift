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
    /// The SSRC of what we send (RFC 3550 §8.1: random).
    public let ssrc: UInt32
    /// The SSRC of our retransmissions when RTX is negotiated (RFC 4588 §8.1), never `ssrc`.
    public let rtxSSRC: UInt32
    /// The peer's SSRC once known (from its description or its first packet).
    public internal(set) var remoteSSRC: UInt32?

    /// Each RTP packet the peer sends in this section, after SRTP authentication.
    public var onPacket: ((RTPPacket) -> Void)?
    /// The peer asked for a keyframe (RTCP PLI or FIR, RFC 4585 §6.3.1, RFC 5104 §4.3.1).
    public var onKeyframeRequest: (() -> Void)?

    /// Counters for `stats` events.
    public internal(set) var statistics = MediaStatistics()

    /// Set by the connection's media plane once SRTP is keyed: protects and sends one packet.
    var output: ((RTPPacket) -> Bool)?
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
        guard let negotiated, negotiated.direction.sends, let output else { return false }
        var p = packet
        p.payloadType = negotiated.payloadType
        p.ssrc = ssrc
        guard output(p) else { return false }
        statistics.packetsSent += 1
        statistics.bytesSent += UInt64(p.payload.count)
        if let now = clock?() {
            senderStatistics.sent(p, at: now)
            if usesNACK { history.record(p, at: now) }
        }
        return true
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
