import RTCCore
import RTCRTP

/// The receive side of one media stream, packets in and frames out: an `RTPReorderBuffer` puts
/// packets in sequence order (waiting a bounded time for gaps) and the codec's
/// `RTPDepacketizer` turns them into frames. Time is passed in, so a test or the stack's event
/// loop drives it; call `release(now:)` at `nextDeadline`.
public struct RTPFrameAssembler {
    /// The codec whose payload format is depacketized.
    public let codec: MediaCodec
    private var reorder: RTPReorderBuffer
    private var depacketizer: any RTPDepacketizer

    /// - Parameters:
    ///   - capacity: packets held for reordering at most.
    ///   - maxDelay: how long a gap is waited for before its packets count as lost.
    public init(codec: MediaCodec, capacity: Int = 512, maxDelay: Duration = .milliseconds(100)) {
        self.codec = codec
        reorder = RTPReorderBuffer(capacity: capacity, maxDelay: maxDelay)
        depacketizer = codec.makeDepacketizer()
    }

    /// Takes a packet as it arrived; returns the frames completed.
    public mutating func push(_ packet: RTPPacket, now: LoopInstant) -> [MediaFrame] {
        depacketize(reorder.insert(packet, now: now))
    }

    /// Gives up on gaps that waited long enough; returns the frames completed after them.
    public mutating func release(now: LoopInstant) -> [MediaFrame] {
        depacketize(reorder.release(now: now))
    }

    /// Gives up on every gap (end of stream).
    public mutating func flush() -> [MediaFrame] {
        depacketize(reorder.flushAll())
    }

    /// When `release(now:)` should next be called, nil when nothing waits.
    public var nextDeadline: LoopInstant? { reorder.nextDeadline }
    /// True while video is dropped for want of a keyframe: send a PLI (RFC 4585 §6.3.1).
    public var needsKeyframe: Bool { depacketizer.needsKeyframe }
    /// Sequence numbers being waited for (candidates for a NACK, RFC 4585 §6.2.1).
    public var missingSequenceNumbers: [UInt16] { reorder.missingSequenceNumbers }
    /// Packets declared lost.
    public var lostPackets: Int { reorder.lostPackets }
    /// Duplicate or late packets dropped.
    public var droppedPackets: Int { reorder.droppedPackets }
    /// Frames dropped as incomplete, malformed, or undecodable until a keyframe.
    public var droppedFrames: Int { depacketizer.droppedFrames }

    private mutating func depacketize(_ packets: [RTPPacket]) -> [MediaFrame] {
        var frames: [MediaFrame] = []
        for p in packets { frames += depacketizer.push(p) }
        return frames
    }
}
