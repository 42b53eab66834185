/// One media section: the `m=` line and the lines up to the next one (RFC 8866 §5.14).
public struct MediaDescription: Equatable, Hashable, Sendable {
    /// `audio`, `video`, `application`, ...
    public var type: String
    /// The port; 0 marks a rejected or disabled section (RFC 3264 §6).
    public var port: Int
    /// The `/<number of ports>` suffix, if any.
    public var numPorts: Int?
    /// The transport protocol, e.g. `UDP/TLS/RTP/SAVPF` or `UDP/DTLS/SCTP`.
    public var proto: String
    /// The media formats: RTP payload types, or `webrtc-datachannel`.
    public var formats: [String]
    /// `i=` media title.
    public var information: String?
    /// `c=` connection data.
    public var connection: SDPConnection?
    /// `b=` lines in order.
    public var bandwidths: [SDPBandwidth]
    /// `k=` (obsolete, kept verbatim).
    public var key: String?
    /// The `a=` lines in order.
    public var attributes: [SDPAttribute]

    public init(type: String, port: Int, numPorts: Int? = nil, proto: String, formats: [String],
                information: String? = nil, connection: SDPConnection? = nil, bandwidths: [SDPBandwidth] = [],
                key: String? = nil, attributes: [SDPAttribute] = []) {
        self.type = type
        self.port = port
        self.numPorts = numPorts
        self.proto = proto
        self.formats = formats
        self.information = information
        self.connection = connection
        self.bandwidths = bandwidths
        self.key = key
        self.attributes = attributes
    }

    /// True when the port is 0 (rejected in an answer, disabled in an offer).
    public var isRejected: Bool { port == 0 }

    /// The value of the first attribute called `name` (nil also for property attributes).
    public func attribute(_ name: String) -> String? { attributes.firstValue(name) }

    /// True when an attribute called `name` is present.
    public func hasAttribute(_ name: String) -> Bool { attributes.contains { $0.name == name } }

    /// `a=mid`.
    public var mid: String? { attribute("mid") }
    /// `a=ice-ufrag` of this section only (see `SessionDescription.iceUfrag(for:)` for the fallback).
    public var iceUfrag: String? { attribute("ice-ufrag") }
    public var icePwd: String? { attribute("ice-pwd") }
    public var iceOptions: [String] { attribute("ice-options").map { SDPText.fields($0).map(String.init) } ?? [] }
    /// Every `a=fingerprint` of this section.
    public var fingerprints: [SDPFingerprint] { attributes.parsed("fingerprint", as: SDPFingerprint.self) }
    /// `a=setup`: `actpass`, `active`, `passive` or `holdconn`.
    public var setup: String? { attribute("setup") }
    /// `sendrecv`, `sendonly`, `recvonly` or `inactive`, if given.
    public var direction: String? {
        attributes.first { ["sendrecv", "sendonly", "recvonly", "inactive"].contains($0.name) && $0.value == nil }?.name
    }
    public var candidates: [SDPCandidate] { attributes.parsed("candidate", as: SDPCandidate.self) }
    public var endOfCandidates: Bool { hasAttribute("end-of-candidates") }
    public var rtcpMux: Bool { hasAttribute("rtcp-mux") }
    public var rtpMaps: [SDPRtpMap] { attributes.parsed("rtpmap", as: SDPRtpMap.self) }
    public var fmtps: [SDPFmtp] { attributes.parsed("fmtp", as: SDPFmtp.self) }
    public var rtcpFeedback: [SDPRtcpFb] { attributes.parsed("rtcp-fb", as: SDPRtcpFb.self) }
    public var extmaps: [SDPExtmap] { attributes.parsed("extmap", as: SDPExtmap.self) }
    public var ssrcs: [SDPSsrc] { attributes.parsed("ssrc", as: SDPSsrc.self) }
    public var ssrcGroups: [SDPSsrcGroup] { attributes.parsed("ssrc-group", as: SDPSsrcGroup.self) }
    public var rids: [SDPRid] { attributes.parsed("rid", as: SDPRid.self) }
    public var simulcast: SDPSimulcast? { attributes.parsed("simulcast", as: SDPSimulcast.self).first }
    /// `a=sctp-port` (RFC 8841).
    public var sctpPort: Int? { attribute("sctp-port").flatMap { Int($0) } }
    /// `a=max-message-size` (RFC 8841 §6).
    public var maxMessageSize: Int? { attribute("max-message-size").flatMap { Int($0) } }
    /// The old `a=sctpmap` form of data channel SDP.
    public var sctpmap: SDPSctpMap? { attributes.parsed("sctpmap", as: SDPSctpMap.self).first }
}
