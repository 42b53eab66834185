import RTC
/// What peers exchange to connect: a session description, a trickled candidate, or goodbye.
///
/// The JSON forms are the browser's `RTCSessionDescriptionInit` (`{"type":"offer","sdp":"..."}`)
/// and `RTCIceCandidateInit` (`{"type":"candidate","candidate":"candidate:...","sdpMid":"0",
/// "sdpMLineIndex":0}`). aiortc's `object_to_string` form of candidates (`id`/`label`) and its
/// `{"type":"bye"}` are accepted too, and written when `style` is `.aiortc`.
public enum SignalingMessage: Equatable, Sendable {
    case description(SessionDescriptionInit)
    case candidate(ICECandidateInit)
    /// The peer will send no more candidates (an empty candidate string in browser JSON).
    case endOfCandidates
    case bye

    public enum Style: Sendable { case browser, aiortc }

    /// Longest signaling message parsed: a description at the SDP cap (1 MiB) with its line ends
    /// escaped in JSON still fits.
    public static let maxBytes = 2 << 20

    /// Parses one JSON object or a `--compact` token: the one place signaling input from stdin,
    /// files, TCP and WebSocket is checked. Size, JSON depth (`JSONLimits`) and UTF-8 are checked
    /// here; the SDP and candidate text by `SessionDescription.parse` and `SDPCandidate`.
    /// - Throws: `SignalingError.malformed` with a one-line reason.
    public static func parse(_ text: String) throws -> SignalingMessage {
        guard text.utf8.count <= maxBytes else {
            throw SignalingError.malformed("signaling message of \(text.utf8.count) bytes exceeds the limit of \(maxBytes) bytes")
        }
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw SignalingError.malformed("empty signaling message") }
        let json: String
        if trimmed.hasPrefix("{") {
            json = trimmed
        } else {
            json = try CompactToken.decode(trimmed)
        }
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(json) } catch {
            throw SignalingError.malformed("signaling message is not JSON (\(error)): \(SDPError.quote(String(json.prefix(60))))")
        }
        guard case let .object(object) = parsed else {
            throw SignalingError.malformed("signaling message is not a JSON object: \(SDPError.quote(String(json.prefix(60))))")
        }
        guard let type = object["type"]?.stringValue else {
            throw SignalingError.malformed("signaling message has no \"type\" string")
        }
        switch type {
        case "offer", "answer", "pranswer", "rollback":
            guard let sdp = object["sdp"]?.stringValue else {
                throw SignalingError.malformed("\(type) has no \"sdp\" string")
            }
            return .description(SessionDescriptionInit(type: SDPType(rawValue: type)!, sdp: sdp))
        case "candidate":
            let candidate = object["candidate"]?.stringValue ?? ""
            if candidate.isEmpty { return .endOfCandidates }
            let mid = object["sdpMid"]?.stringValue ?? object["id"]?.stringValue
            let index = object["sdpMLineIndex"]?.intValue ?? object["label"]?.intValue
            return .candidate(ICECandidateInit(candidate: candidate, sdpMid: mid, sdpMLineIndex: index))
        case "bye":
            return .bye
        default:
            throw SignalingError.malformed("unknown signaling message type \"\(type)\"")
        }
    }

    /// One line of JSON (no newline), keys sorted so output is stable.
    public func json(style: Style = .browser) -> String {
        var object: [String: JSONValue]
        switch self {
        case let .description(d):
            object = ["type": .string(d.type.rawValue), "sdp": .string(d.sdp)]
        case let .candidate(c):
            object = ["type": "candidate", "candidate": .string(c.candidate)]
            switch style {
            case .browser:
                object["sdpMid"] = JSONValue(c.sdpMid)
                object["sdpMLineIndex"] = JSONValue(c.sdpMLineIndex)
            case .aiortc:
                object["id"] = JSONValue(c.sdpMid)
                object["label"] = JSONValue(c.sdpMLineIndex)
            }
        case .endOfCandidates:
            object = ["type": "candidate", "candidate": ""]
        case .bye:
            object = ["type": "bye"]
        }
        return JSONValue.object(object).jsonText
    }
}

public enum SignalingError: Error, CustomStringConvertible, Equatable {
    case malformed(String)
    case closed(String)

    public var description: String {
        switch self {
        case let .malformed(m): return m
        case let .closed(m): return m
        }
    }
}
