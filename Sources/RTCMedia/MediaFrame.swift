/// One coded frame (a video picture or an audio packet) as depacketizers emit it and file readers
/// give it: the codec's own bytes, never an RTP payload. A pure value.
///
/// The byte format is what the codec's file container stores: VP8/VP9 frames as in IVF, H.264
/// access units in Annex B with start codes, AV1 temporal units in the low-overhead OBU format
/// (temporal delimiter first, every OBU with a size field), Opus and G.711 packets as is.
public struct MediaFrame: Equatable, Sendable {
    /// The coded frame.
    public var data: [UInt8]
    /// The RTP timestamp of the frame, in the codec's clock (`MediaCodec.clockRate`). File readers
    /// count from 0 at the file's first frame.
    public var rtpTimestamp: UInt32
    /// True for frames a decoder can start from (VP8/VP9 key frames, H.264 IDR, AV1 key frames
    /// starting a coded video sequence); always true for audio.
    public var isKeyframe: Bool
    /// How long the frame is shown or played, in clock ticks, when known (file readers know it;
    /// depacketizers do not).
    public var duration: UInt32?

    /// A frame; `duration` in clock ticks when known.
    public init(data: [UInt8], rtpTimestamp: UInt32, isKeyframe: Bool, duration: UInt32? = nil) {
        self.data = data
        self.rtpTimestamp = rtpTimestamp
        self.isKeyframe = isKeyframe
        self.duration = duration
    }
}
