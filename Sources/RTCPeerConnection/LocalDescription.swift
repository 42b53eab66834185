import RTCICE

/// Builds our session descriptions (JSEP RFC 8829 §5.2/§5.3): an `m=application` section for
/// data channels (RFC 8841) and `m=audio`/`m=video` sections for media, all in one BUNDLE group
/// with rtcp-mux (RFC 9143, RFC 5761), each with the ICE credentials, the DTLS fingerprint and
/// setup role, and (non-trickle) every gathered candidate plus `a=end-of-candidates`.
struct LocalDescription {
    struct Media {
        var mid: String
        var content: Content
    }

    enum Content {
        /// Our data-channel section.
        case application
        /// An RTP section: the negotiated (or, in an offer, proposed) codec, our SSRC and the
        /// SSRC our retransmissions use when RTX is in it.
        case rtp(NegotiatedMedia, ssrc: UInt32, rtxSSRC: UInt32)
        /// An offered section we do not take: answered with port 0 (RFC 3264 §6).
        case rejected(RejectedMedia)
    }

    struct RejectedMedia {
        var type: String
        var proto: String
        var formats: String
    }

    var sessionID: UInt64
    var sessionVersion: UInt64 = 2
    var iceUfrag: String
    var icePassword: String
    var fingerprint: String
    var setup: String
    var candidates: [ICECandidate]
    var gatheringComplete: Bool
    var trickle: Bool
    var sctpPort: UInt16
    var maxMessageSize: Int
    var media: [Media]
    /// `a=ssrc ... cname:` and the msid stream of our media (RFC 7022, RFC 8830).
    var cname = "rtc"

    /// SDP text with CRLF line ends.
    func sdp() -> String {
        var lines: [String] = []
        let defaultAddress = candidates.first?.address
        lines.append("v=0")
        lines.append("o=- \(sessionID) \(sessionVersion) IN IP4 127.0.0.1")
        lines.append("s=-")
        lines.append("t=0 0")
        let accepted = media.filter { if case .rejected = $0.content { false } else { true } }.map(\.mid)
        if !accepted.isEmpty { lines.append("a=group:BUNDLE " + accepted.joined(separator: " ")) }
        lines.append("a=msid-semantic: WMS \(cname)")
        for m in media {
            switch m.content {
            case let .rejected(r):
                lines.append("m=\(r.type) 0 \(r.proto) \(r.formats)")
                lines.append("c=IN IP4 0.0.0.0")
                lines.append("a=mid:\(m.mid)")
                lines.append("a=inactive")
            case .application:
                lines.append("m=application \(defaultAddress?.port ?? 9) UDP/DTLS/SCTP webrtc-datachannel")
                appendTransport(mid: m.mid, to: &lines)
                lines.append("a=sctp-port:\(sctpPort)")
                lines.append("a=max-message-size:\(maxMessageSize)")
            case let .rtp(media, ssrc, rtxSSRC):
                let formats = [media.payloadType] + (media.rtxPayloadType.map { [$0] } ?? [])
                lines.append("m=\(media.kind.rawValue) \(defaultAddress?.port ?? 9) UDP/TLS/RTP/SAVPF "
                    + formats.map(String.init).joined(separator: " "))
                appendTransport(mid: m.mid, to: &lines)
                lines.append("a=\(media.direction.rawValue)")
                let track = "\(cname)-\(media.kind.rawValue)-\(m.mid)"
                if media.direction.sends { lines.append("a=msid:\(cname) \(track)") }
                lines.append("a=rtcp-mux")
                if media.kind == .video { lines.append("a=rtcp-rsize") }
                let pt = media.payloadType
                let channels = media.codec.channels.map { "/\($0)" } ?? ""
                lines.append("a=rtpmap:\(pt) \(media.codec.encodingName)/\(media.codec.clockRate)\(channels)")
                for fb in media.feedback { lines.append("a=rtcp-fb:\(pt) \(fb)") }
                if let fmtp = media.formatParameters { lines.append("a=fmtp:\(pt) \(fmtp)") }
                if let rtx = media.rtxPayloadType {  // RFC 4588 §8.6
                    lines.append("a=rtpmap:\(rtx) rtx/\(media.codec.clockRate)")
                    lines.append("a=fmtp:\(rtx) apt=\(pt)")
                }
                if media.direction.sends {
                    // The FID group pairs our RTX SSRC with the media SSRC (RFC 5576 §4.1).
                    let ssrcs = media.rtxPayloadType == nil ? [ssrc] : [ssrc, rtxSSRC]
                    if ssrcs.count > 1 { lines.append("a=ssrc-group:FID \(ssrc) \(rtxSSRC)") }
                    for s in ssrcs {
                        lines.append("a=ssrc:\(s) cname:\(cname)")
                        lines.append("a=ssrc:\(s) msid:\(cname) \(track)")
                    }
                }
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Connection, candidates, ICE, DTLS and mid lines: the same in every bundled section.
    private func appendTransport(mid: String, to lines: inout [String]) {
        let defaultAddress = candidates.first?.address
        lines.append("c=IN \(defaultAddress?.family == .ipv6 ? "IP6" : "IP4") \(defaultAddress?.host ?? "0.0.0.0")")
        for c in candidates { lines.append("a=\(c)") }
        if gatheringComplete { lines.append("a=end-of-candidates") }
        lines.append("a=ice-ufrag:\(iceUfrag)")
        lines.append("a=ice-pwd:\(icePassword)")
        if trickle { lines.append("a=ice-options:trickle") }
        lines.append("a=fingerprint:sha-256 \(fingerprint)")
        lines.append("a=setup:\(setup)")
        lines.append("a=mid:\(mid)")
    }
}
