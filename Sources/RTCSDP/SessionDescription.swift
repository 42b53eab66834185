/// A parsed SDP session description (RFC 8866), as exchanged in WebRTC offers and answers.
///
/// Every line is kept: the fixed lines as typed fields and the `a=` lines as an ordered list per
/// section, so `serialize()` reproduces canonical input byte for byte and
/// `parse(serialize(parse(x))) == parse(x)` holds for any input that parses. Typed views of the
/// WebRTC attributes are computed properties here and on `MediaDescription`.
///
/// ```swift
/// let remote = try SessionDescription.parse(offer.sdp)
/// for m in remote.media { print(m.mid, remote.iceUfrag(for: m), m.candidates) }
/// ```
public struct SessionDescription: Equatable, Hashable, Sendable {
    /// `v=`, always 0.
    public var version: Int
    public var origin: SDPOrigin
    /// `s=` session name (`-` in WebRTC).
    public var name: String
    /// `i=` session information.
    public var information: String?
    /// `u=`.
    public var uri: String?
    /// `e=` lines.
    public var emails: [String]
    /// `p=` lines.
    public var phones: [String]
    public var connection: SDPConnection?
    public var bandwidths: [SDPBandwidth]
    /// `t=` lines, each with its `r=` lines; at least one.
    public var timings: [SDPTiming]
    /// `z=`, verbatim.
    public var timeZones: String?
    /// `k=`, verbatim (obsolete).
    public var key: String?
    /// Session-level `a=` lines in order.
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(version: Int = 0, origin: SDPOrigin, name: String = "-", information: String? = nil,
                uri: String? = nil, emails: [String] = [], phones: [String] = [], connection: SDPConnection? = nil,
                bandwidths: [SDPBandwidth] = [], timings: [SDPTiming] = [SDPTiming()], timeZones: String? = nil,
                key: String? = nil, attributes: [SDPAttribute] = [], media: [MediaDescription] = []) {
        self.version = version
        self.origin = origin
        self.name = name
        self.information = information
        self.uri = uri
        self.emails = emails
        self.phones = phones
        self.connection = connection
        self.bandwidths = bandwidths
        self.timings = timings
        self.timeZones = timeZones
        self.key = key
        self.attributes = attributes
        self.media = media
    }

    /// The value of the first session-level attribute called `name`.
    public func attribute(_ name: String) -> String? { attributes.firstValue(name) }

    /// `a=group` lines, e.g. BUNDLE.
    public var groups: [SDPGroup] { attributes.parsed("group", as: SDPGroup.self) }
    /// The mids of the first BUNDLE group.
    public var bundleMids: [String] { groups.first { $0.type == "BUNDLE" }?.midList ?? [] }
    public var msidSemantic: SDPMsidSemantic? { attributes.parsed("msid-semantic", as: SDPMsidSemantic.self).first }
    /// `a=ice-lite` at session level (RFC 8839 §5.3).
    public var iceLite: Bool { attributes.contains { $0.name == "ice-lite" } }
    public var iceUfrag: String? { attribute("ice-ufrag") }
    public var icePwd: String? { attribute("ice-pwd") }
    public var fingerprints: [SDPFingerprint] { attributes.parsed("fingerprint", as: SDPFingerprint.self) }
    public var setup: String? { attribute("setup") }

    /// The media section's `ice-ufrag`, else the session's (RFC 8839 §5.4).
    public func iceUfrag(for m: MediaDescription) -> String? { m.iceUfrag ?? iceUfrag }
    /// The media section's `ice-pwd`, else the session's.
    public func icePwd(for m: MediaDescription) -> String? { m.icePwd ?? icePwd }
    /// The media section's fingerprints, else the session's (RFC 8122 §5).
    public func fingerprints(for m: MediaDescription) -> [SDPFingerprint] {
        let own = m.fingerprints
        return own.isEmpty ? fingerprints : own
    }
    /// The media section's `setup`, else the session's (RFC 4145 §4).
    public func setup(for m: MediaDescription) -> String? { m.setup ?? setup }

    /// The first media section whose `a=mid` is `mid`.
    public func media(mid: String) -> MediaDescription? { media.first { $0.mid == mid } }
}
