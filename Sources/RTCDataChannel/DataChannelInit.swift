import RTCSCTP

/// `RTCDataChannelInit` (W3C webrtc §6.2): how a channel is created.
public struct DataChannelInit: Equatable, Sendable {
    public var ordered: Bool = true
    /// Partial reliability by retransmissions; exclusive with `maxPacketLifeTime`.
    public var maxRetransmits: UInt16?
    /// Partial reliability by lifetime in milliseconds; exclusive with `maxRetransmits`.
    public var maxPacketLifeTime: UInt16?
    public var `protocol`: String = ""
    /// Negotiated out of band: both ends create the channel with the same `id`; no DCEP.
    public var negotiated: Bool = false
    /// Stream id; required when `negotiated`, otherwise chosen by the manager (RFC 8832 §6).
    public var id: UInt16?
    /// RFC 8831 §6.4 priority carried in DATA_CHANNEL_OPEN.
    public var priority: UInt16 = 256

    public init(ordered: Bool = true, maxRetransmits: UInt16? = nil, maxPacketLifeTime: UInt16? = nil,
                protocol: String = "", negotiated: Bool = false, id: UInt16? = nil, priority: UInt16 = 256) {
        self.ordered = ordered
        self.maxRetransmits = maxRetransmits
        self.maxPacketLifeTime = maxPacketLifeTime
        self.protocol = `protocol`
        self.negotiated = negotiated
        self.id = id
        self.priority = priority
    }

    /// DCEP channel type and reliability parameter for these options (RFC 8832 §5.1).
    var channelType: (DataChannelType, UInt32) {
        if let n = maxRetransmits {
            return (ordered ? .partialReliableRexmit : .partialReliableRexmitUnordered, UInt32(n))
        }
        if let ms = maxPacketLifeTime {
            return (ordered ? .partialReliableTimed : .partialReliableTimedUnordered, UInt32(ms))
        }
        return (ordered ? .reliable : .reliableUnordered, 0)
    }

    /// The options a DATA_CHANNEL_OPEN describes.
    init(open: DCEPOpen, id: UInt16) {
        let t = open.channelType
        let param = UInt16(clamping: open.reliabilityParameter)
        self.init(
            ordered: t.ordered,
            maxRetransmits: t == .partialReliableRexmit || t == .partialReliableRexmitUnordered ? param : nil,
            maxPacketLifeTime: t == .partialReliableTimed || t == .partialReliableTimedUnordered ? param : nil,
            protocol: open.protocol, negotiated: false, id: id, priority: open.priority)
    }

    /// How messages of a channel with these options go out on SCTP.
    var sendOptions: SCTPSendOptions {
        if let n = maxRetransmits { return SCTPSendOptions(ordered: ordered, reliability: .maxRetransmits(UInt32(n))) }
        if let ms = maxPacketLifeTime {
            return SCTPSendOptions(ordered: ordered, reliability: .maxLifetime(milliseconds: UInt32(ms)))
        }
        return SCTPSendOptions(ordered: ordered)
    }
}
