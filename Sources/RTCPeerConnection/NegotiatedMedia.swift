import RTCSDP
import RTCMedia

/// What offer/answer settled for one RTP media section: the one codec both sides use, its
/// payload type (the offerer's numbering, RFC 3264 §6.1), our direction, the RTCP feedback both
/// honour, and the peer's SSRCs when its description lists them.
public struct NegotiatedMedia: Sendable, Equatable {
    public var mid: String
    public var codec: MediaCodec
    public var payloadType: UInt8
    /// `a=fmtp` parameters of the chosen payload type, as the offer gave them.
    public var formatParameters: String?
    /// Our direction: what we send and receive in this section.
    public var direction: MediaDirection
    /// RTCP feedback both sides use (RFC 4585 §4.2): "nack", "nack pli", "ccm fir".
    public var feedback: [String]
    /// The peer's media SSRCs from `a=ssrc`/`a=ssrc-group:FID` (RTX SSRCs left out); empty
    /// when it lists none (Firefox), and then the first packet of our payload type names it.
    public var remoteSSRCs: [UInt32]
    /// The RTX format paired with `payloadType` (RFC 4588 §8.1, `a=fmtp:<rtx> apt=<pt>`) when
    /// both sides list it: retransmissions then go on their own SSRC and sequence numbers. Nil
    /// when they reuse the original stream (as before RTX, and always for audio).
    public var rtxPayloadType: UInt8? = nil
    /// The peer's RTX SSRCs from `a=ssrc-group:FID <media> <rtx>` (RFC 5576 §4), each mapped to
    /// the media SSRC it repairs; empty when its description has no such group, and then the
    /// first packet of `rtxPayloadType` names it.
    public var remoteRTXSSRCs: [UInt32: UInt32] = [:]

    public var kind: MediaCodec.Kind { codec.kind }

    /// RTCP feedback we act on, in the order our offers list them.
    static let honouredFeedback: [String] = ["nack", "nack pli", "ccm fir"]

    /// The feedback our offer lists for `codec`: NACK, PLI and FIR for video; none for audio,
    /// as Chromium does.
    static func offeredFeedback(for codec: MediaCodec) -> [String] {
        codec.kind == .video ? honouredFeedback : []
    }
}

extension NegotiatedMedia {
    /// The section of the answer for an offered RTP section, or nil to reject it (port 0):
    /// when the offer lists no format of `wish.codec`, or the directions leave nothing to do.
    /// - Parameters:
    ///   - offered: the offered `m=audio`/`m=video` section.
    ///   - wish: what we want in this section (codec, and whether we send and receive).
    static func answering(_ offered: MediaDescription, mid: String, wish: MediaTransceiverInit) -> NegotiatedMedia? {
        guard offered.type == wish.codec.kind.rawValue, !offered.isRejected,
              let pt = Self.payloadType(for: wish.codec, in: offered)
        else { return nil }
        let theirs = MediaDirection(rawValue: offered.direction ?? "sendrecv") ?? .sendrecv
        let direction = theirs.reversed.intersection(wish.direction)
        guard direction != .inactive else { return nil }
        let fmtp = offered.fmtps.first { $0.payload == Int(pt) }?.config
        let offeredFeedback = feedback(of: offered, payloadType: pt)
        return NegotiatedMedia(
            mid: mid, codec: wish.codec, payloadType: pt, formatParameters: fmtp, direction: direction,
            feedback: honouredFeedback.filter(offeredFeedback.contains), remoteSSRCs: mediaSSRCs(of: offered),
            rtxPayloadType: wish.codec.kind == .video ? rtxPayloadType(for: pt, in: offered) : nil,
            remoteRTXSSRCs: rtxSSRCs(of: offered))
    }

    /// Our offered section updated by the peer's answer; nil when it rejected it.
    func accepting(_ answer: MediaDescription) -> NegotiatedMedia? {
        guard !answer.isRejected, let first = answer.formats.first.flatMap({ UInt8($0) }) else { return nil }
        var settled = self
        // The answerer keeps our payload type (RFC 3264 §6.1); take what it says all the same.
        settled.payloadType = first
        let theirs = MediaDirection(rawValue: answer.direction ?? "sendrecv") ?? .sendrecv
        settled.direction = direction.intersection(theirs.reversed)
        let answered = Self.feedback(of: answer, payloadType: first)
        settled.feedback = feedback.filter(answered.contains)
        settled.remoteSSRCs = Self.mediaSSRCs(of: answer)
        // RTX only when we offered it and the answer keeps it (RFC 4588 §8.1).
        settled.rtxPayloadType = rtxPayloadType == nil ? nil : Self.rtxPayloadType(for: first, in: answer)
        settled.remoteRTXSSRCs = Self.rtxSSRCs(of: answer)
        return settled
    }

    /// The payload type of the offer's best format for `codec`: matched by encoding name and
    /// clock rate; for H.264 only packetization-mode 1 (what we packetize and what browsers
    /// send), preferring the constrained baseline profile.
    static func payloadType(for codec: MediaCodec, in m: MediaDescription) -> UInt8? {
        let maps = m.rtpMaps.filter {
            $0.codec.lowercased() == codec.encodingName.lowercased() && ($0.rate.map { UInt32($0) } ?? codec.clockRate) == codec.clockRate
                && m.formats.contains("\($0.payload)")
        }
        let candidates: [SDPRtpMap]
        if codec == .h264 {
            let params = { (pt: Int) in m.fmtps.first { $0.payload == pt }?.parameters ?? [:] }
            let usable = maps.filter { params($0.payload)["packetization-mode"] == "1" }
            let baseline = { (map: SDPRtpMap) in params(map.payload)["profile-level-id"]?.lowercased().hasPrefix("42e0") == true }
            candidates = usable.filter(baseline) + usable.filter { !baseline($0) }
        } else if maps.isEmpty, let staticPT = [MediaCodec.pcmu, .pcma].first(where: { $0 == codec })?.defaultPayloadType,
                  m.formats.contains("\(staticPT)") {
            return staticPT  // G.711 may be offered by its static number alone (RFC 3551)
        } else {
            candidates = maps
        }
        return candidates.first.flatMap { UInt8(exactly: $0.payload) }
    }

    /// The `a=rtcp-fb` values ("nack", "nack pli", ...) a section gives `payloadType` or `*`.
    static func feedback(of m: MediaDescription, payloadType: UInt8) -> [String] {
        m.rtcpFeedback.filter { $0.payload == "\(payloadType)" || $0.payload == "*" }
            .map { [$0.type, $0.subtype].compactMap { $0 }.joined(separator: " ") }
    }

    /// The section's RTX format for `payloadType`: an `rtx` rtpmap at 90 kHz (or the codec's
    /// rate) whose `a=fmtp` says `apt=<payloadType>` (RFC 4588 §8.6), listed on the m-line.
    static func rtxPayloadType(for payloadType: UInt8, in m: MediaDescription) -> UInt8? {
        let apt = "\(payloadType)"
        return m.rtpMaps.first { map in
            map.codec.lowercased() == "rtx" && m.formats.contains("\(map.payload)")
                && m.fmtps.contains { $0.payload == map.payload && $0.parameters["apt"] == apt }
        }.flatMap { UInt8(exactly: $0.payload) }
    }

    /// RTX SSRC → media SSRC, from each `a=ssrc-group:FID <media> <rtx>` (RFC 5576 §4.1).
    static func rtxSSRCs(of m: MediaDescription) -> [UInt32: UInt32] {
        var out: [UInt32: UInt32] = [:]
        for group in m.ssrcGroups where group.semantics == "FID" && group.ssrcList.count == 2 {
            guard let media = UInt32(exactly: group.ssrcList[0]), let rtx = UInt32(exactly: group.ssrcList[1]),
                  media != rtx
            else { continue }
            out[rtx] = media
        }
        return out
    }

    /// Media SSRCs of a section: the first of each FID group, and lone SSRCs outside groups.
    static func mediaSSRCs(of m: MediaDescription) -> [UInt32] {
        let all = Array(Set(m.ssrcs.map(\.id))).sorted()
        let groups = m.ssrcGroups.filter { $0.semantics == "FID" || $0.semantics == "FEC-FR" }.map(\.ssrcList)
        let repairs = Set(groups.flatMap { $0.dropFirst() })
        return all.filter { !repairs.contains($0) }.compactMap { UInt32(exactly: $0) }
    }
}
