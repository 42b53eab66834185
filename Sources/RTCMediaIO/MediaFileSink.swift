import RTCCore
import RTCRTP
import RTCMedia
import RTCPeerConnection

/// A media section's incoming RTP written to a file as frames complete (IVF, Ogg Opus, H.264
/// Annex B, WAV for G.711): packets are put in sequence order (a gap waits at most `maxDelay`, time enough for
/// a NACK'd retransmission), depacketized, and each whole frame is written and flushed, so a
/// player can open the file while it grows. After a loss, video waits for a keyframe and asks
/// the peer for one (PLI, at most every `keyframeRequestInterval`).
public final class MediaFileSink {
    private let loop: EventLoop
    private let writer: any MediaFileWriter
    private var assembler: RTPFrameAssembler
    private weak var transceiver: MediaTransceiver?
    private var releaseTimer: ScheduledTask?
    private var lastKeyframeRequest: LoopInstant?
    private let keyframeRequestInterval: Duration = .milliseconds(500)
    /// Frames written so far.
    public private(set) var framesWritten = 0
    /// The first write error; nothing more is written after it.
    public private(set) var failure: MediaFileError?
    /// Called once with the first write error (disk full, file removed).
    public var onFailure: ((MediaFileError) -> Void)?

    /// Creates (or truncates) the file.
    /// - Throws: `MediaFileError` when it cannot be created or the codec has no file format there.
    public init(loop: EventLoop, path: String, transceiver: MediaTransceiver,
                maxDelay: Duration = .milliseconds(200)) throws(MediaFileError) {
        self.loop = loop
        let codec = transceiver.request.codec
        writer = try MediaFile.makeWriter(path: path, codec: codec)
        assembler = RTPFrameAssembler(codec: codec, maxDelay: maxDelay)
        self.transceiver = transceiver
        let previous = transceiver.onPacket
        transceiver.onPacket = { [weak self] packet in
            previous?(packet)
            self?.receive(packet)
        }
    }

    /// Writes what is complete and closes the file.
    public func close() {
        releaseTimer?.cancel()
        write(assembler.flush())
        try? writer.close()
    }

    private func receive(_ packet: RTPPacket) {
        write(assembler.push(packet, now: loop.now))
        scheduleRelease()
    }

    private func scheduleRelease() {
        releaseTimer?.cancel()
        guard let deadline = assembler.nextDeadline else { return }
        releaseTimer = loop.schedule(at: deadline) { [weak self] in
            guard let self else { return }
            self.write(self.assembler.release(now: self.loop.now))
            self.scheduleRelease()
        }
    }

    private func write(_ frames: [MediaFrame]) {
        if assembler.needsKeyframe { requestKeyframe() }
        guard failure == nil else { return }
        for frame in frames {
            do {
                try writer.write(frame)
                framesWritten += 1
            } catch {
                failure = error
                onFailure?(error)
                return
            }
        }
    }

    private func requestKeyframe() {
        let now = loop.now
        if let last = lastKeyframeRequest, now < last + keyframeRequestInterval { return }
        lastKeyframeRequest = now
        transceiver?.requestKeyframe()
    }
}
