import RTCCore
import RTCRTP

/// What one section does with RTCP (RFC 3550 §6, RFC 4585, RFC 5104): receive statistics and
/// NACKs for what the peer sends, retransmissions from the send history for its NACKs, keyframe
/// requests from its PLI/FIR, and the sender/receiver report of the periodic compound packet.
extension MediaTransceiver {
    /// A packet of this section from the peer (after SRTP); `repaired` when it came out of RTX.
    func receive(_ packet: RTPPacket, at now: LoopInstant, repaired: Bool = false) {
        account(ssrc: packet.ssrc, sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp,
                payloadLength: packet.payload.count, at: now, repaired: repaired)
        if let onRTP {
            receiveBuffer.removeAll(keepingCapacity: true)
            packet.append(to: &receiveBuffer)
            receiveBuffer.withUnsafeBytes(onRTP)
        }
        onPacket?(packet)
    }

    /// A packet of this section from the peer (after SRTP) in its wire form, borrowed, with its
    /// header read: the forwarding path, which builds an `RTPPacket` only for `onPacket`.
    func receive(wire bytes: UnsafeRawBufferPointer, header: RTPHeaderView, at now: LoopInstant) {
        account(ssrc: header.ssrc, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
                payloadLength: header.payloadLength, at: now, repaired: false)
        onRTP?(bytes)
        if let onPacket, let packet = try? RTPPacket(parsing: Array(bytes)) { onPacket(packet) }
    }

    /// Statistics and NACK state for one arrival.
    private func account(ssrc: UInt32, sequenceNumber: UInt16, timestamp: UInt32, payloadLength: Int,
                         at now: LoopInstant, repaired: Bool) {
        if receiverStatistics?.ssrc != ssrc {
            receiverStatistics = RTPReceiverStatistics(ssrc: ssrc, clockRate: request.codec.clockRate)
            nackGenerator = NACKGenerator()
        }
        // A packet that fills a gap we NACKed is a retransmission: its lateness is not jitter.
        var recovered = false
        if usesNACK {
            let recoveredBefore = nackGenerator.recovered, missingBefore = nackGenerator.missingCount
            nackGenerator.received(sequenceNumber, at: now)
            recovered = nackGenerator.recovered > recoveredBefore
            if nackGenerator.missingCount > missingBefore, let due = nextNACKDeadline() { onNACKDue?(due) }
        }
        receiverStatistics?.received(
            sequenceNumber: sequenceNumber, timestamp: timestamp, payloadLength: payloadLength, at: now,
            retransmitted: repaired || recovered)
        statistics.packetsReceived += 1
        statistics.bytesReceived += UInt64(payloadLength)
        if let r = receiverStatistics {
            statistics.packetsLost = r.cumulativeLost
            statistics.jitter = r.jitterSeconds
        }
    }

    /// A packet from the peer's RTX stream (RFC 4588 §4): the original it carries goes into the
    /// media stream as if it had arrived there, before statistics, NACK state and the sink.
    /// Padding-only RTX (bandwidth probes) and RTX of a stream not yet known are dropped.
    /// - Returns: false when the packet is not RTX of this section.
    @discardableResult
    func receiveRTX(_ packet: RTPPacket, at now: LoopInstant) -> Bool {
        guard let n = negotiated, let pt = n.rtxPayloadType, packet.payloadType == pt else { return false }
        guard let media = n.remoteRTXSSRCs[packet.ssrc] ?? remoteSSRC, packet.payload.count >= 2,
              let original = try? RTXStream.unwrap(packet, ssrc: media, payloadType: n.payloadType)
        else { return true }
        statistics.retransmissionsReceived += 1
        receive(original, at: now, repaired: true)
        return true
    }

    /// One RTCP packet that concerns this section.
    func receive(_ rtcp: RTCPPacket, at now: LoopInstant) {
        switch rtcp {
        case let .nack(nack) where nack.mediaSSRC == ssrc:
            statistics.nacksReceived += 1
            for p in history.retransmissions(for: nack, at: now) {
                // RFC 4588 §4: on the RTX stream when negotiated, else the packet again as sent.
                var resend = p
                if var stream = rtx {
                    resend = stream.wrap(p)
                    rtx = stream
                }
                guard let output, resend.serialized().withUnsafeBytes(output) else { continue }
                statistics.retransmitted += 1
                if rtx != nil { statistics.rtxPacketsSent += 1 }
            }
        case let .pictureLossIndication(pli) where pli.mediaSSRC == ssrc:
            keyframeRequested()
        case let .fullIntraRequest(fir) where fir.entries.contains(where: { $0.ssrc == ssrc }):
            keyframeRequested()
        case let .senderReport(sr):
            if sr.ssrc == remoteSSRC { receiverStatistics?.receivedSenderReport(sr, at: now) }
            for block in sr.reportBlocks { reportBlock(block, at: now) }
        case let .receiverReport(rr):
            for block in rr.reportBlocks { reportBlock(block, at: now) }
        default:
            break
        }
    }

    /// Whether an RTCP packet is about this section (feedback naming our SSRC, reports from or
    /// about the streams we exchange).
    func concerns(_ rtcp: RTCPPacket) -> Bool {
        switch rtcp {
        case let .nack(n): return n.mediaSSRC == ssrc
        case let .pictureLossIndication(p): return p.mediaSSRC == ssrc
        case let .fullIntraRequest(f): return f.entries.contains { $0.ssrc == ssrc }
        case let .senderReport(sr): return sr.ssrc == remoteSSRC || sr.reportBlocks.contains { $0.ssrc == ssrc }
        case let .receiverReport(rr): return rr.reportBlocks.contains { $0.ssrc == ssrc }
        default: return false
        }
    }

    private func keyframeRequested() {
        statistics.keyframeRequestsReceived += 1
        onKeyframeRequest?()
    }

    private func reportBlock(_ block: RTCPReportBlock, at now: LoopInstant) {
        guard block.ssrc == ssrc else { return }
        statistics.packetsLostByPeer = Int64(block.cumulativeLost)
        if let rtt = senderStatistics.receivedReportBlock(block, at: now) {
            statistics.roundTripTime = Double(rtt.components.seconds) + Double(rtt.components.attoseconds) / 1e18
        }
    }

    /// The report of the periodic compound packet: an SR once we have sent, else an RR; with a
    /// report block on what we receive (RFC 3550 §6.4).
    func report(at now: LoopInstant, ntpTime: UInt64) -> RTCPPacket {
        var blocks: [RTCPReportBlock] = []
        if var r = receiverStatistics {
            if let block = r.reportBlock(at: now) { blocks.append(block) }
            receiverStatistics = r
        }
        if statistics.packetsSent > 0 {
            return .senderReport(senderStatistics.senderReport(ntpTime: ntpTime, at: now, reportBlocks: blocks))
        }
        return .receiverReport(RTCPReceiverReport(ssrc: ssrc, reportBlocks: blocks))
    }

    /// A NACK for the packets due to be asked for again, if any (RFC 4585 §6.2.1).
    func pendingNACK(at now: LoopInstant) -> RTCPPacket? {
        guard usesNACK, let remoteSSRC else { return nil }
        let lost = nackGenerator.sequenceNumbersToNACK(at: now, roundTripTime: nackRoundTripTime)
        if nackGenerator.takeKeyframeRequest() { requestKeyframe() }
        guard !lost.isEmpty else { return nil }
        statistics.nacksSent += 1
        return .nack(RTCPGenericNACK(senderSSRC: ssrc, mediaSSRC: remoteSSRC, lost: lost))
    }

    /// When `pendingNACK` next has something to do; nil when nothing is missing.
    func nextNACKDeadline() -> LoopInstant? {
        guard usesNACK, remoteSSRC != nil else { return nil }
        return nackGenerator.nextDeadline(roundTripTime: nackRoundTripTime)
    }

    /// Retries wait one round trip, from our reports' RTT when known.
    private var nackRoundTripTime: Duration? {
        statistics.roundTripTime.map { Duration.milliseconds(Int64($0 * 1000)) }
    }
}
