/// When to send each frame a file reader gives, so a file source plays at its own pace: frame
/// times are the frames' timestamps (in the codec clock) after the first, added to the start
/// instant. A pure value; the caller's event loop sleeps until `sendTime(for:)`.
public struct MediaFramePacer: Sendable {
    /// The RTP clock of the frames (`MediaCodec.clockRate`).
    public let clockRate: UInt32
    private var start: LoopInstant?
    private var firstTimestamp: UInt32 = 0
    /// Unwrapped ticks since the first frame.
    private var elapsed: UInt64 = 0
    private var lastTimestamp: UInt32 = 0

    public init(clockRate: UInt32) {
        self.clockRate = max(1, clockRate)
    }

    /// The instant `frame` is due. The first frame is due at once (`now`); later ones follow
    /// their timestamps (wrapping at 2^32); a timestamp going backwards is due at once.
    public mutating func sendTime(for frame: MediaFrame, now: LoopInstant) -> LoopInstant {
        guard let start else {
            self.start = now
            firstTimestamp = frame.rtpTimestamp
            lastTimestamp = frame.rtpTimestamp
            return now
        }
        let step = Int32(bitPattern: frame.rtpTimestamp &- lastTimestamp)
        lastTimestamp = frame.rtpTimestamp
        guard step >= 0 else { return now }
        elapsed += UInt64(step)
        let ns = elapsed.multipliedFullWidth(by: 1_000_000_000)
        let offset = UInt64(clockRate).dividingFullWidth((ns.high, ns.low)).quotient
        return LoopInstant(nanoseconds: start.nanoseconds &+ offset)
    }

    /// Starts over: the next frame is due at once (after a source restart or a seek).
    public mutating func reset() {
        start = nil
        elapsed = 0
    }
}
