import RTCCore

/// Maps packets from a local RTP source (ffmpeg, GStreamer, OBS on a UDP port) onto the stream
/// the session negotiated: our SSRC and payload type, and one continuous sequence-number and
/// timestamp line however often the source restarts (RFC 3550 §5.1: the receiver sees one
/// source whose numbers start at random values and only grow).
///
/// Within one run of the source, sequence numbers and timestamps are shifted by fixed offsets, so
/// reordering and loss pass through unchanged. A restart is an SSRC change, a sequence number
/// more than `maxSequenceJump` ahead or `maxMisorder` behind the highest, or a timestamp further
/// than `maxTimestampJump` from the last one. After a restart the output continues at the last
/// sequence number + 1, and at the last timestamp + the time since the last packet (at least one
/// tick), so players see a pause rather than a jump. Late packets of the replaced SSRC are
/// dropped for `stragglerWindow`. The source's header extensions are removed: their ids were not
/// negotiated with the peer.
///
/// A new SSRC takes over at its first packet (holding it back would lose the start of the
/// restarted source's first keyframe), so a stray packet of another SSRC on the same port counts
/// as a restart, and the real source's packets then wait out `stragglerWindow` and restart again.
package struct RTPStreamRewriter {
    private struct Run {
        var ssrc: UInt32
        var highestSequence: UInt16
        var timestamp: UInt32
        var sequenceOffset: UInt16
        var timestampOffset: UInt32
    }

    /// How long packets of a replaced SSRC are taken as stragglers, not as yet another restart.
    static let stragglerWindow: Duration = .seconds(1)

    let ssrc: UInt32
    let payloadType: UInt8
    let clockRate: UInt32
    let maxSequenceJump: UInt16
    let maxMisorder: UInt16
    let maxTimestampJump: UInt32

    private var run: Run?
    /// The SSRC the current run replaced, and when: its stragglers are dropped for a while.
    private var replaced: (ssrc: UInt32, at: LoopInstant)?
    private var lastSequence: UInt16
    private var lastTimestamp: UInt32
    private var lastArrival: LoopInstant?
    /// Source restarts seen.
    private(set) var restarts = 0

    /// - Parameters:
    ///   - initialSequenceNumber, initialTimestamp: where the output starts (random, RFC 3550 §5.1).
    ///   - maxTimestampJump: the largest timestamp step within one run of the source.
    package init(
        ssrc: UInt32, payloadType: UInt8, clockRate: UInt32, initialSequenceNumber: UInt16,
        initialTimestamp: UInt32, maxSequenceJump: UInt16 = 1000, maxMisorder: UInt16 = 100,
        maxTimestampJump: Duration = .seconds(3)
    ) {
        self.ssrc = ssrc
        self.payloadType = payloadType & 0x7F
        self.clockRate = max(clockRate, 1)
        self.maxSequenceJump = min(maxSequenceJump, 0x7FFF)
        self.maxMisorder = min(maxMisorder, 0x7FFF)
        self.maxTimestampJump = min(RTPClock.units(maxTimestampJump, rate: clockRate), 0x7FFF_FFFF)
        lastSequence = initialSequenceNumber &- 1
        lastTimestamp = initialTimestamp
    }

    /// The packet as sent to the peer, or nil for a late packet of a replaced source.
    package mutating func rewrite(_ packet: RTPPacket, at arrival: LoopInstant) -> RTPPacket? {
        guard let (seq, ts) = rewrite(ssrc: packet.ssrc, sequenceNumber: packet.sequenceNumber,
                                      timestamp: packet.timestamp, at: arrival)
        else { return nil }
        var out = packet
        out.ssrc = ssrc
        out.payloadType = payloadType
        out.headerExtension = nil
        out.sequenceNumber = seq
        out.timestamp = ts
        return out
    }

    /// The packet at `bytes` rewritten into `output` (emptied first): our SSRC and payload type,
    /// the mapped sequence number and timestamp, CSRCs, payload and padding as they were, the
    /// header extension removed. The same packet `rewrite(_:at:)` makes, without an `RTPPacket`.
    /// - Returns: false for a late packet of a replaced source (`output` is then empty).
    package mutating func rewrite(_ bytes: UnsafeRawBufferPointer, header h: RTPHeaderView, at arrival: LoopInstant,
                                  into output: inout [UInt8]) -> Bool {
        output.removeAll(keepingCapacity: true)
        guard let (seq, ts) = rewrite(ssrc: h.ssrc, sequenceNumber: h.sequenceNumber, timestamp: h.timestamp, at: arrival)
        else { return false }
        output.append(bytes[0] & ~0x10)  // X cleared: the extension's ids were not negotiated
        output.append((h.marker ? 0x80 : 0) | payloadType)
        withUnsafeBytes(of: seq.bigEndian) { output.append(contentsOf: $0) }
        withUnsafeBytes(of: ts.bigEndian) { output.append(contentsOf: $0) }
        withUnsafeBytes(of: ssrc.bigEndian) { output.append(contentsOf: $0) }
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[RTPPacket.fixedHeaderLength..<h.extensionOffset]))
        output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[h.payloadOffset...]))
        return true
    }

    /// The output sequence number and timestamp of a packet with these fields, or nil for a late
    /// packet of a replaced source.
    private mutating func rewrite(ssrc packetSSRC: UInt32, sequenceNumber: UInt16, timestamp: UInt32,
                                  at arrival: LoopInstant) -> (UInt16, UInt32)? {
        defer { lastArrival = arrival }
        var current: Run
        if let r = run, packetSSRC == r.ssrc {
            let ds = Int16(bitPattern: sequenceNumber &- r.highestSequence)
            let dt = Int32(bitPattern: timestamp &- r.timestamp).magnitude
            if ds > Int16(maxSequenceJump) || ds < -Int16(maxMisorder) || dt > maxTimestampJump {
                current = start(packetSSRC, sequenceNumber, timestamp, arrival: arrival)
                restarts += 1
            } else {
                current = r
                if ds > 0 {
                    current.highestSequence = sequenceNumber
                    current.timestamp = timestamp
                }
            }
        } else if let r = run {
            if let old = replaced, packetSSRC == old.ssrc, arrival.since(old.at) < Self.stragglerWindow { return nil }
            replaced = (r.ssrc, arrival)
            current = start(packetSSRC, sequenceNumber, timestamp, arrival: arrival)
            restarts += 1
        } else {
            current = start(packetSSRC, sequenceNumber, timestamp, arrival: arrival)
        }
        run = current
        let seq = sequenceNumber &+ current.sequenceOffset
        let ts = timestamp &+ current.timestampOffset
        if sequenceNumber == current.highestSequence {
            lastSequence = seq
            lastTimestamp = ts
        }
        return (seq, ts)
    }

    /// A new run whose first packet maps to the last output sequence number + 1 and the last
    /// timestamp + the wall-clock gap.
    private func start(_ packetSSRC: UInt32, _ sequenceNumber: UInt16, _ timestamp: UInt32,
                       arrival: LoopInstant) -> Run {
        let gap = lastArrival.map { max(RTPClock.units(arrival.since($0), rate: clockRate), 1) } ?? 0
        return Run(
            ssrc: packetSSRC, highestSequence: sequenceNumber, timestamp: timestamp,
            sequenceOffset: (lastSequence &+ 1) &- sequenceNumber,
            timestampOffset: (lastTimestamp &+ gap) &- timestamp)
    }
}
