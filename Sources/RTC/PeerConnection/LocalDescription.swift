/// Builds our session descriptions: one `m=application` section for data channels
/// (RFC 8841, JSEP RFC 8829 §5.2), bundled, with ICE credentials, the DTLS fingerprint and
/// setup role, and (non-trickle) every gathered candidate plus `a=end-of-candidates`.
struct LocalDescription {
    struct Media {
        var mid: String
        /// The offered section we answer; nil for our own application section.
        var rejected: RejectedMedia?
    }

    /// An offered m-line we do not take (audio/video): answered with port 0 (RFC 3264 §6).
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

    /// SDP text with CRLF line ends.
    func sdp() -> String {
        var lines: [String] = []
        let defaultAddress = candidates.first?.address
        let ipVersion = defaultAddress?.family == .ipv6 ? "IP6" : "IP4"
        let defaultIP = defaultAddress?.host ?? "0.0.0.0"
        lines.append("v=0")
        lines.append("o=- \(sessionID) \(sessionVersion) IN IP4 127.0.0.1")
        lines.append("s=-")
        lines.append("t=0 0")
        let accepted = media.filter { $0.rejected == nil }.map(\.mid)
        if !accepted.isEmpty { lines.append("a=group:BUNDLE " + accepted.joined(separator: " ")) }
        lines.append("a=msid-semantic: WMS")
        for m in media {
            if let r = m.rejected {
                lines.append("m=\(r.type) 0 \(r.proto) \(r.formats)")
                lines.append("c=IN IP4 0.0.0.0")
                lines.append("a=mid:\(m.mid)")
                lines.append("a=inactive")
                continue
            }
            lines.append("m=application \(defaultAddress?.port ?? 9) UDP/DTLS/SCTP webrtc-datachannel")
            lines.append("c=IN \(ipVersion) \(defaultIP)")
            for c in candidates { lines.append("a=\(c)") }
            if gatheringComplete { lines.append("a=end-of-candidates") }
            lines.append("a=ice-ufrag:\(iceUfrag)")
            lines.append("a=ice-pwd:\(icePassword)")
            if trickle { lines.append("a=ice-options:trickle") }
            lines.append("a=fingerprint:sha-256 \(fingerprint)")
            lines.append("a=setup:\(setup)")
            lines.append("a=mid:\(m.mid)")
            lines.append("a=sctp-port:\(sctpPort)")
            lines.append("a=max-message-size:\(maxMessageSize)")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
