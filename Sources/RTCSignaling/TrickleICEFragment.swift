import RTC
/// An `application/trickle-ice-sdpfrag` body (RFC 8840 §4.4, as WHIP uses it in RFC 9725
/// §4.3.1): the ICE credentials and, per media section, its `m=` line, `a=mid`, the candidates
/// gathered since the last fragment and `a=end-of-candidates`.
///
///     a=group:BUNDLE 0
///     m=application 9 UDP/DTLS/SCTP webrtc-datachannel
///     a=mid:0
///     a=ice-ufrag:EsAw
///     a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1
///     a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host
///     a=end-of-candidates
public struct TrickleICEFragment: Equatable, Sendable {
    public struct Section: Equatable, Sendable {
        /// The section's `m=` line value (after `m=`), copied from the description.
        public var mLine: String?
        public var mid: String?
        /// Each a `candidate:...` attribute value, as `ICECandidateInit.candidate` carries it.
        public var candidates: [String]
        public var endOfCandidates: Bool

        public init(mLine: String? = nil, mid: String? = nil, candidates: [String] = [], endOfCandidates: Bool = false) {
            self.mLine = mLine
            self.mid = mid
            self.candidates = candidates
            self.endOfCandidates = endOfCandidates
        }
    }

    public var ufrag: String?
    public var pwd: String?
    /// The session-level `a=group:BUNDLE` value, when the description has one.
    public var bundle: String?
    public var sections: [Section]

    public init(ufrag: String?, pwd: String?, bundle: String? = nil, sections: [Section]) {
        self.ufrag = ufrag
        self.pwd = pwd
        self.bundle = bundle
        self.sections = sections
    }

    /// Largest fragment parsed (a PATCH body is capped by the endpoint, too).
    public static let maxBytes = 1 << 20

    /// The fragment that trickles `candidates` (and, with `end`, the end of gathering) of the
    /// session `description` describes, which gives the credentials and each section's `m=`
    /// line. A candidate without an `sdpMid` goes to the section its `sdpMLineIndex` names, or
    /// the first one. With BUNDLE every candidate names the first bundled mid, so this is
    /// usually one section.
    public static func trickling(_ candidates: [ICECandidateInit], end: Bool,
                                 of description: SessionDescription) -> TrickleICEFragment {
        let media = description.media
        func midOf(_ c: ICECandidateInit) -> String? {
            if let m = c.sdpMid { return m }
            let i = c.sdpMLineIndex ?? 0
            return media.indices.contains(i) ? media[i].mid : media.first?.mid
        }
        var sections: [Section] = []
        func index(for mid: String?) -> Int {
            if let i = sections.firstIndex(where: { $0.mid == mid }) { return i }
            let m = media.first { $0.mid == mid } ?? media.first
            sections.append(Section(mLine: m.map(Self.mLine), mid: mid ?? m?.mid))
            return sections.count - 1
        }
        for c in candidates { sections[index(for: midOf(c))].candidates.append(c.candidate) }
        if end {
            // The end of gathering concerns the bundle transport: its first section says it.
            let mid = description.bundleMids.first ?? media.first?.mid
            sections[index(for: sections.first?.mid ?? mid)].endOfCandidates = true
        }
        let first = media.first
        let bundle = description.groups.first { $0.type == "BUNDLE" }.map { (["BUNDLE"] + $0.midList).joined(separator: " ") }
        return TrickleICEFragment(ufrag: first?.iceUfrag ?? description.iceUfrag,
                                  pwd: first?.icePwd ?? description.icePwd, bundle: bundle, sections: sections)
    }

    /// The fragment of an ICE restart (RFC 9725 §4.4.1): `parameters`' credentials and
    /// candidates, in the sections of `description`.
    public static func restarting(_ parameters: PeerConnection.ICEParameters,
                                  of description: SessionDescription) -> TrickleICEFragment {
        carrying(parameters, of: description)
    }

    /// `parameters`' credentials, candidates and end in the sections of `description`; with no
    /// candidate, the bundle transport's section alone, so the credentials are still written (a
    /// restart's fragment, or an endpoint's PATCH response with nothing new yet).
    public static func carrying(_ parameters: PeerConnection.ICEParameters,
                                of description: SessionDescription) -> TrickleICEFragment {
        var fragment = trickling(parameters.candidates, end: parameters.endOfCandidates, of: description)
        fragment.ufrag = parameters.ufrag
        fragment.pwd = parameters.password
        if fragment.sections.isEmpty {
            // No candidate yet (they trickle after it): the credentials still need the section
            // of the bundle transport to be written in.
            let mid = description.bundleMids.first ?? description.media.first?.mid
            let m = description.media.first { $0.mid == mid } ?? description.media.first
            fragment.sections = [Section(mLine: m.map(Self.mLine), mid: mid)]
        }
        return fragment
    }

    /// The credentials and candidates the fragment carries, when it has both credentials.
    public var iceParameters: PeerConnection.ICEParameters? {
        guard let ufrag, let pwd else { return nil }
        return PeerConnection.ICEParameters(ufrag: ufrag, password: pwd, candidates: candidateInits,
                                            endOfCandidates: endOfCandidates)
    }

    private static func mLine(_ m: MediaDescription) -> String {
        ([m.type, "\(m.port)", m.proto] + m.formats).joined(separator: " ")
    }

    /// The body, lines ending in CRLF (RFC 8840 §4.4 uses SDP's line syntax).
    public func text() -> String {
        var lines: [String] = []
        if let bundle { lines.append("a=group:" + bundle) }
        for s in sections {
            if let m = s.mLine { lines.append("m=" + m) }
            if let mid = s.mid { lines.append("a=mid:" + mid) }
            if let ufrag { lines.append("a=ice-ufrag:" + ufrag) }
            if let pwd { lines.append("a=ice-pwd:" + pwd) }
            for c in s.candidates { lines.append(c.hasPrefix("candidate:") ? "a=" + c : "a=candidate:" + c) }
            if s.endOfCandidates { lines.append("a=end-of-candidates") }
        }
        return lines.map { $0 + "\r\n" }.joined()
    }

    /// The candidates as `ICECandidateInit`s (with their section's mid), then whether the
    /// fragment ends gathering.
    public var candidateInits: [ICECandidateInit] {
        sections.flatMap { s in s.candidates.map { ICECandidateInit(candidate: $0, sdpMid: s.mid, sdpMLineIndex: nil) } }
    }

    public var endOfCandidates: Bool { sections.contains { $0.endOfCandidates } }

    /// Parses a fragment. Credentials may be at session or media level (the last seen counts);
    /// attributes this use has no need of (`a=ice-options`, ...) are skipped.
    /// - Throws: `SignalingError.malformed` naming the line for text that is not SDP lines
    ///   (`x=value`), a candidate before any section, or a body over `maxBytes`.
    public static func parse(_ text: String) throws -> TrickleICEFragment {
        guard text.utf8.count <= maxBytes else {
            throw SignalingError.malformed("trickle-ice-sdpfrag of \(text.utf8.count) bytes exceeds \(maxBytes) bytes")
        }
        var fragment = TrickleICEFragment(ufrag: nil, pwd: nil, sections: [])
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
            if line.isEmpty { continue }
            let bytes = Array(line.utf8)
            guard bytes.count >= 2, bytes[1] == UInt8(ascii: "="), (0x61...0x7A).contains(bytes[0]) else {
                throw SignalingError.malformed("trickle-ice-sdpfrag line \(number) is not an SDP line: \(SDPError.quote(String(line.prefix(60))))")
            }
            let value = String(line.dropFirst(2))
            if bytes[0] == UInt8(ascii: "m") {
                fragment.sections.append(Section(mLine: value))
                continue
            }
            guard bytes[0] == UInt8(ascii: "a") else { continue }
            let (name, attr) = Self.split(value)
            switch name {
            case "ice-ufrag": fragment.ufrag = attr
            case "ice-pwd": fragment.pwd = attr
            case "group" where attr.hasPrefix("BUNDLE"): fragment.bundle = attr
            case "mid":
                if fragment.sections.isEmpty { fragment.sections.append(Section()) }
                fragment.sections[fragment.sections.count - 1].mid = attr
            case "candidate", "end-of-candidates":
                // A fragment without m= lines still names one transport (RFC 8840 §4.4 lets
                // a bundled session trickle that way): an implicit first section.
                if fragment.sections.isEmpty { fragment.sections.append(Section()) }
                let last = fragment.sections.count - 1
                if name == "candidate" {
                    guard !attr.isEmpty else {
                        throw SignalingError.malformed("trickle-ice-sdpfrag line \(number): empty candidate")
                    }
                    fragment.sections[last].candidates.append(value)
                } else {
                    fragment.sections[last].endOfCandidates = true
                }
            default:
                continue
            }
        }
        return fragment
    }

    private static func split(_ value: String) -> (String, String) {
        guard let colon = value.firstIndex(of: ":") else { return (value, "") }
        return (String(value[..<colon]), String(value[value.index(after: colon)...]))
    }
}
