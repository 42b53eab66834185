import RTCCore
import RTCMedia
import RTCPeerConnection

/// Frames from a file (IVF, Ogg Opus, H.264 Annex B, WAV) sent into a media section at their own
/// pace: each frame goes out when its time since the first has come (its duration, or the
/// file's frame rate), packetized for the codec (RFC 7741, RFC 6184, ...). `--loop` restarts at
/// the beginning with timestamps continuing. A keyframe request from the peer (PLI/FIR) makes
/// the source jump to the next keyframe (at the end of a file without one, it ends).
public final class MediaFileSource {
    private let loop: EventLoop
    private let reader: any MediaFileReader
    private var packetizer: RTPStreamPacketizer
    private weak var transceiver: MediaTransceiver?
    private var timer: ScheduledTask?
    private var started: LoopInstant?
    /// Clock ticks of media sent so far: when the next frame is due.
    private var elapsedTicks: UInt64 = 0
    private var keyframeWanted = false
    private let clockRate: UInt64
    /// Frames sent so far.
    public private(set) var framesSent = 0
    /// True once the file ended (without `loop`) or failed.
    public private(set) var ended = false
    /// Called when the file ends or a read fails (nil error: a clean end).
    public var onEnd: ((MediaFileError?) -> Void)?

    /// Opens the file; sending starts with `start()`.
    /// - Throws: `MediaFileError` when it cannot be read or holds another codec.
    public init(loop: EventLoop, path: String, transceiver: MediaTransceiver, loopFile: Bool) throws(MediaFileError) {
        self.loop = loop
        let codec = transceiver.request.codec
        reader = try MediaFile.makeReader(path: path, codec: codec, loop: loopFile)
        packetizer = RTPStreamPacketizer(
            codec: codec, payloadType: transceiver.negotiated?.payloadType, ssrc: transceiver.ssrc,
            initialSequenceNumber: UInt16.random(in: 0...UInt16.max), timestampOffset: UInt32.random(in: 0...UInt32.max))
        clockRate = UInt64(codec.clockRate)
        self.transceiver = transceiver
        let previous = transceiver.onKeyframeRequest
        transceiver.onKeyframeRequest = { [weak self] in
            previous?()
            self?.keyframeWanted = true
        }
    }

    public func start() {
        guard started == nil else { return }
        started = loop.now
        sendDue()
    }

    public func close() {
        timer?.cancel()
        ended = true
    }

    /// Sends every frame whose time has come, then sleeps until the next one.
    private func sendDue() {
        guard let started, !ended, let transceiver else { return }
        // Bounded per wake-up, so a file of zero-duration frames cannot hold the loop.
        for _ in 0..<64 {
            let due = started + .nanoseconds(Int64(elapsedTicks * 1_000_000_000 / clockRate))
            let now = loop.now
            if due > now {
                timer = loop.schedule(at: due) { [weak self] in self?.sendDue() }
                return
            }
            guard let frame = nextFrame() else { return }
            for packet in packetizer.packetize(frame) { transceiver.send(packet) }
            framesSent += 1
            elapsedTicks += UInt64(frame.duration ?? UInt32(clockRate / 30))
        }
        timer = loop.schedule(in: .milliseconds(1)) { [weak self] in self?.sendDue() }
    }

    /// The next frame to send, jumping to a keyframe when one was asked for; nil at the end.
    private func nextFrame() -> MediaFrame? {
        do {
            var skipped = 0
            while true {
                guard let frame = try reader.nextFrame() else {
                    finish(nil)
                    return nil
                }
                if !keyframeWanted || frame.isKeyframe || transceiver?.kind == .audio {
                    keyframeWanted = false
                    return frame
                }
                skipped += 1
                if skipped > 100_000 { keyframeWanted = false }  // a looping file without keyframes
            }
        } catch {
            finish(error)
            return nil
        }
    }

    private func finish(_ error: MediaFileError?) {
        guard !ended else { return }
        ended = true
        onEnd?(error)
    }
}
