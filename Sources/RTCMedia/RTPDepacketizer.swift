import RTCRTP

/// Turns the RTP packets of one stream back into the codec's frames.
///
/// Packets must come in sequence-number order (`RTPReorderBuffer` puts them so); a sequence gap
/// means the packets in it are lost. A frame with a lost packet is never emitted, and for video
/// the frames after it are dropped too until a keyframe, since they reference what was lost:
/// `needsKeyframe` then asks the caller to send a PLI (RFC 4585 §6.3.1).
public protocol RTPDepacketizer {
    /// Takes the next packet in sequence order and returns the frames it completes (usually
    /// none or one).
    mutating func push(_ packet: RTPPacket) -> [MediaFrame]
    /// True while video frames are being dropped for want of a keyframe after a loss (or a
    /// stream that began with delta frames); false again once a keyframe is emitted.
    var needsKeyframe: Bool { get }
    /// Frames dropped so far: incomplete, malformed, or waiting for a keyframe.
    var droppedFrames: Int { get }
}

extension MediaCodec {
    /// A depacketizer for this codec's RTP payload format.
    public func makeDepacketizer() -> any RTPDepacketizer {
        switch self {
        case .vp8: return VP8Depacketizer()
        case .vp9: return VP9Depacketizer()
        case .h264: return H264Depacketizer()
        case .av1: return AV1Depacketizer()
        case .opus, .pcmu, .pcma: return AudioDepacketizer()
        }
    }
}

/// The payload-format half of a video depacketizer: what one codec's RTP payloads mean.
/// `VideoFrameAssembly` does the sequence, timestamp and keyframe bookkeeping around it.
protocol VideoPayloadParser {
    /// Whether `payload` can be the first packet of a frame; false when it is plainly a
    /// continuation, which means the frame's start was lost.
    func canStartFrame(_ payload: [UInt8]) -> Bool
    /// Forgets the partial frame; a new one begins.
    mutating func begin()
    /// Adds one packet's payload to the frame; false when the payload is malformed or does not
    /// follow from the previous one.
    mutating func append(_ payload: [UInt8]) -> Bool
    /// The finished frame, or nil when what was appended is not a whole frame.
    mutating func finish() -> (data: [UInt8], isKeyframe: Bool)?
}

/// Sequence, timestamp and keyframe bookkeeping shared by the video depacketizers: a frame is
/// the run of packets with one RTP timestamp, ending at the marker bit (RFC 3550 §5.1; RFC 7741
/// §4.1, RFC 6184 §5.1 and kin) or, when the marker was not set, at the next timestamp.
struct VideoFrameAssembly {
    private var lastSequence: UInt16?
    private var timestamp: UInt32 = 0
    private var inFrame = false
    private var corrupt = false
    /// The timestamp of the last frame dropped for a loss: its remaining packets are discarded.
    private var lostTimestamp: UInt32?
    private var waitingForKeyframe = true
    private(set) var needsKeyframe = false
    private(set) var droppedFrames = 0

    mutating func push<P: VideoPayloadParser>(_ packet: RTPPacket, parser: inout P) -> [MediaFrame] {
        var out: [MediaFrame] = []
        if let last = lastSequence, Int16(bitPattern: packet.sequenceNumber &- last) <= 0 {
            // A duplicate or a straggler (fed without a reorder buffer): already accounted for.
            return out
        }
        if let last = lastSequence, packet.sequenceNumber != last &+ 1 {
            if inFrame {
                inFrame = false
                droppedFrames += 1
                lostTimestamp = timestamp
            }
            waitForKeyframe()
        }
        lastSequence = packet.sequenceNumber
        if inFrame && packet.timestamp != timestamp {
            // No gap, so the previous frame is whole though its sender left the marker off.
            finish(parser: &parser, into: &out)
        }
        if !inFrame {
            if packet.timestamp == lostTimestamp { return out }
            lostTimestamp = nil
            inFrame = true
            timestamp = packet.timestamp
            parser.begin()
            corrupt = !parser.canStartFrame(packet.payload)
        }
        if !corrupt && !parser.append(packet.payload) { corrupt = true }
        if packet.marker { finish(parser: &parser, into: &out) }
        return out
    }

    private mutating func finish<P: VideoPayloadParser>(parser: inout P, into out: inout [MediaFrame]) {
        inFrame = false
        guard !corrupt, let frame = parser.finish() else {
            droppedFrames += 1
            waitForKeyframe()
            return
        }
        if frame.isKeyframe {
            waitingForKeyframe = false
            needsKeyframe = false
        } else if waitingForKeyframe {
            droppedFrames += 1
            needsKeyframe = true
            return
        }
        out.append(MediaFrame(data: frame.data, rtpTimestamp: timestamp, isKeyframe: frame.isKeyframe))
    }

    private mutating func waitForKeyframe() {
        waitingForKeyframe = true
        needsKeyframe = true
    }
}
