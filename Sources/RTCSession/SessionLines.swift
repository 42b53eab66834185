import FoundationEssentials
import RTC
import RTCSignaling

/// What one session event becomes for a line-oriented user (`rtc offer`/`answer`): stdout
/// lines or raw bytes, and stderr lines.
public enum SessionOutput: Equatable, Sendable {
    /// One stdout line (without its newline).
    case line(String)
    /// Raw stdout bytes (a binary message without `--json`, newline included).
    case bytes([UInt8])
    /// One diagnostic line for stderr (without the program's prefix).
    case errorLine(String)
}

/// What one input line asks of a session whose channels are open.
public enum SessionInput: Equatable, Sendable {
    /// Send this message on the channel with this label or id (neither: the first one open).
    case send(DataChannelMessage, label: String?, id: Int?)
    /// `{"type":"ice-restart"}`: restart ICE.
    case restartICE
    /// Not a message object; the reason ends the session as bad input.
    case invalid(String)
}

/// The line protocol of `rtc offer`/`rtc answer`: session events to output lines and input
/// lines to messages, as plain text or (`json`) one JSON object a line.
public enum SessionLines {
    /// The output of one event. Without `json` only signaling lines, messages and diagnostics
    /// show; with it every event is an object with a `"type"`.
    public static func outputs(for event: SessionEvent, json: Bool) -> [SessionOutput] {
        func object(_ o: [String: JSONValue]) -> [SessionOutput] { json ? [.line(JSONValue.object(o).jsonText)] : [] }
        switch event {
        case let .signal(line):
            return [.line(line)]
        case let .state(state):
            return object(["type": "state", "state": .string(state.rawValue)])
        case let .open(label, id):
            return object(["type": "open", "label": .string(label), "id": .int(Int(id))])
        case let .close(label, id):
            return object(["type": "close", "label": .string(label), "id": .int(Int(id))])
        case let .message(label, id, .text(s)):
            return json ? object(["type": "message", "label": .string(label), "id": .int(Int(id)), "data": .string(s)])
                : [.line(s)]
        case let .message(label, id, .binary(b)):
            return json ? object(["type": "message", "label": .string(label), "id": .int(Int(id)), "binary": true,
                                  "data": .string(Data(b).base64EncodedString())])
                : [.bytes(b + [0x0A])]
        case let .sendError(label, reason):
            // One stderr line and, with json, an error event; the session goes on.
            var o: [String: JSONValue] = ["type": "error", "reason": .string(reason)]
            if let label { o["label"] = .string(label) }
            return [.errorLine((label.map { "channel '\($0)': " } ?? "") + reason)] + object(o)
        case let .track(t):
            return object(["type": "track", "mid": .string(t.mid), "kind": .string(t.kind.rawValue),
                           "codec": .string(t.codec.rawValue), "payloadType": .int(Int(t.payloadType)),
                           "ssrc": .int(Int(t.ssrc)), "remoteSsrc": t.remoteSSRC.map { .int(Int($0)) } ?? .null,
                           "direction": .string(t.direction.rawValue),
                           "rtxPayloadType": t.rtxPayloadType.map { .int(Int($0)) } ?? .null,
                           "rtxSsrc": t.rtxSSRC.map { .int(Int($0)) } ?? .null])
        case let .keyframeRequest(mid, kind):
            return object(["type": "keyframe-request", "mid": .string(mid), "kind": .string(kind.rawValue)])
        case let .stats(r):
            return object(statsObject(r))
        case let .notice(line):
            return [.errorLine(line)]
        case let .iceRestarted(local, remote):
            return object(["type": "ice-restart", "ufrag": .string(local), "remoteUfrag": .string(remote)])
        }
    }

    private static func statsObject(_ r: MediaStatsReport) -> [String: JSONValue] {
        let s = r.statistics
        var e: [String: JSONValue] = [
            "type": "stats", "mid": .string(r.mid), "kind": .string(r.kind.rawValue),
            "packetsSent": .int(Int(s.packetsSent)), "bytesSent": .int(Int(s.bytesSent)),
            "packetsReceived": .int(Int(s.packetsReceived)), "bytesReceived": .int(Int(s.bytesReceived)),
            "packetsLost": .int(Int(s.packetsLost)), "jitter": .double(s.jitter),
            "nacksSent": .int(Int(s.nacksSent)), "nacksReceived": .int(Int(s.nacksReceived)),
            "retransmitted": .int(Int(s.retransmitted)), "rtxPacketsSent": .int(Int(s.rtxPacketsSent)),
            "retransmissionsReceived": .int(Int(s.retransmissionsReceived)),
            "keyframeRequestsSent": .int(Int(s.keyframeRequestsSent)),
            "keyframeRequestsReceived": .int(Int(s.keyframeRequestsReceived)),
        ]
        e["roundTripTime"] = s.roundTripTime.map { .double($0) } ?? .null
        if let srtp = r.srtp {
            e["srtpAuthenticationFailures"] = .int(srtp.authenticationFailures)
            e["srtpReplayDrops"] = .int(srtp.replayDrops)
        }
        return e
    }

    /// One input line once the channels are open. Without `json` the line is a text message for
    /// the first channel; with it `{"type":"message","data":"...","binary":true}` (binary as
    /// base64) or `{"data":"..."}`, with the channel's `"label"` or `"id"` when it is not the
    /// first one, or `{"type":"ice-restart"}`.
    public static func input(_ line: String, json: Bool) -> SessionInput {
        guard json else { return .send(.text(line), label: nil, id: nil) }
        let object = JSONValue.parseObject(line)
        if object?["type"]?.stringValue == "ice-restart" { return .restartICE }
        let invalid = SessionInput.invalid("stdin line is not a message object: \(line.prefix(60))")
        guard let object, let text = object["data"]?.stringValue else { return invalid }
        let label = object["label"]?.stringValue
        let id = object["id"]?.intValue
        if object["binary"]?.boolValue == true {
            guard let bytes = Data(base64Encoded: text) else { return invalid }
            return .send(.binary([UInt8](bytes)), label: label, id: id)
        }
        return .send(.text(text), label: label, id: id)
    }
}

extension SessionError {
    /// The exit status a session that ended so reports.
    public var exitStatus: ExitStatus {
        switch self {
        case .badInput: .dataError
        case .unreachable: .unavailable
        case .timeout: .timeout
        case .failure: .failure
        case let .interrupted(signal): ExitStatus(signal: signal)
        case let .signaling(f): f.exitStatus
        }
    }
}
