import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import RTC
import RTCSession
import RTCSignaling

/// `rtc offer` / `rtc answer` around the library's `PeerSession`: stdin lines become messages
/// (or, with stdio signaling, the peer's description first), session events become stdout
/// lines (`--json` objects, or the messages' text), and how the session ended an exit status.
final class ChatSession: @unchecked Sendable {
    let json: Bool
    let out: StdoutWriter

    init(json: Bool, out: StdoutWriter) {
        self.json = json
        self.out = out
    }

    /// Runs one session, its stdin, stdout and SIGINT/SIGTERM this process's; returns the exit status.
    func runAlone(_ session: PeerSession) -> Int32 {
        attach(session)
        out.onClosed = { session.finish(nil) }
        let trap = SignalTrap { sig in session.interrupt(signal: sig) }
        session.onStarted = { [self] in
            StdinLines.start(onError: { session.finish(.badInput($0)) }) { [self] line in
                _ = stdinLine(line, to: session)
            }
        }
        let status = report(session.run())
        withExtendedLifetime(trap) {}
        return status
    }

    /// Serves sessions one after another on a listening URL; returns the worst exit status.
    func serve(_ server: SessionServer, verbose: Bool) -> Int32 {
        do { try server.listen() } catch let e as SignalingFailure {
            return report(.signaling(e))
        } catch {
            return report(.failure("\(error)"))
        }
        var worst: Int32 = 0
        server.onUncounted = {
            if verbose { printError("rtc: a peer left before the offer/answer exchange (not counted)") }
        }
        server.onSessionEnd = { [self] n, error in
            let status = report(error)
            worst = max(worst, status)
            if json { out.writeLine(JSONValue.object(["type": "session", "session": .int(n), "status": .int(Int(status))]).jsonText) }
            if verbose || status != 0 { printError("rtc: session \(n) ended with status \(status)") }
        }
        out.onClosed = { server.stop { $0.finish(nil) } }
        let trap = SignalTrap { sig in server.stop { $0.interrupt(signal: sig) } }
        StdinLines.start { [self] line in
            server.route(isEnd: line == nil) { stdinLine(line, to: $0) }
        }
        server.run()
        withExtendedLifetime(trap) {}
        return worst
    }

    /// Prints how a session ended (one stderr line) and returns its exit status.
    func report(_ error: SessionError?) -> Int32 {
        guard let error else { return 0 }
        let e: CLIError
        switch error {
        case let .badInput(m): e = CLIError(.dataError, m)
        case let .unreachable(m): e = CLIError(.unavailable, m)
        case let .timeout(m): e = CLIError(.timeout, m)
        case let .failure(m): e = CLIError(.failure, m)
        case let .interrupted(signal): return signal == SIGINT ? 130 : 143
        case let .signaling(f): e = CLIError(f)
        }
        printError("rtc: " + e.message)
        return e.status.rawValue
    }

    // MARK: - Events to stdout (the session's loop thread)

    func attach(_ session: PeerSession) {
        session.onEvent = { [self] e in event(e) }
    }

    private func event(_ e: SessionEvent) {
        switch e {
        case let .signal(line):
            out.writeLine(line)
        case let .state(state):
            emit(["type": "state", "state": .string(state.rawValue)])
        case let .open(label, id):
            emit(["type": "open", "label": .string(label), "id": .int(Int(id))])
        case let .close(label, id):
            emit(["type": "close", "label": .string(label), "id": .int(Int(id))])
        case let .message(label, id, message):
            deliver(message, label: label, id: id)
        case let .sendError(label, reason):
            // One line on stderr and, with --json, an error event; the session goes on.
            printError("rtc: " + (label.map { "channel '\($0)': " } ?? "") + reason)
            var object: [String: JSONValue] = ["type": "error", "reason": .string(reason)]
            if let label { object["label"] = .string(label) }
            emit(object)
        case let .track(t):
            emit(["type": "track", "mid": .string(t.mid), "kind": .string(t.kind.rawValue),
                  "codec": .string(t.codec.rawValue), "payloadType": .int(Int(t.payloadType)),
                  "ssrc": .int(Int(t.ssrc)), "remoteSsrc": t.remoteSSRC.map { .int(Int($0)) } ?? .null,
                  "direction": .string(t.direction.rawValue),
                  "rtxPayloadType": t.rtxPayloadType.map { .int(Int($0)) } ?? .null,
                  "rtxSsrc": t.rtxSSRC.map { .int(Int($0)) } ?? .null])
        case let .keyframeRequest(mid, kind):
            emit(["type": "keyframe-request", "mid": .string(mid), "kind": .string(kind.rawValue)])
        case let .stats(r):
            emit(statsObject(r))
        case let .notice(line):
            printError("rtc: " + line)
        case let .iceRestarted(local, remote):
            emit(["type": "ice-restart", "ufrag": .string(local), "remoteUfrag": .string(remote)])
        }
    }

    private func emit(_ object: [String: JSONValue]) {
        guard json else { return }
        out.writeLine(JSONValue.object(object).jsonText)
    }

    private func deliver(_ message: DataChannelMessage, label: String, id: UInt16) {
        switch message {
        case let .text(s):
            if json {
                emit(["type": "message", "label": .string(label), "id": .int(Int(id)), "data": .string(s)])
            } else {
                out.writeLine(s)
            }
        case let .binary(b):
            if json {
                emit(["type": "message", "label": .string(label), "id": .int(Int(id)), "binary": true,
                      "data": .string(Data(b).base64EncodedString())])
            } else {
                out.write(b + [0x0A])
            }
        }
    }

    private func statsObject(_ r: MediaStatsReport) -> [String: JSONValue] {
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

    // MARK: - stdin (its own thread)

    /// One stdin line (nil at EOF); blocks while the channel is not open or its buffer is full.
    /// Returns false when the session ended before the line (or EOF) could be taken, so a
    /// server can hand it to the next session.
    func stdinLine(_ line: String?, to session: PeerSession) -> Bool {
        guard let line else { return session.endInput() }
        if session.input(line: line) == .signaling { return true }
        guard session.waitForOpen() else { return false }
        guard json else { return session.sendBlocking(.text(line)) }
        if let object = JSONValue.parseObject(line), object["type"]?.stringValue == "ice-restart" {
            session.restartICE()
            return true
        }
        guard let (payload, label, id) = parseJSONMessage(line) else {
            session.finish(.badInput("stdin line is not a message object: \(line.prefix(60))"))
            return true
        }
        return session.sendBlocking(payload, label: label, id: id)
    }

    /// `{"type":"message","data":"...","binary":true}` (binary as base64), or `{"data":"..."}`,
    /// with the channel's `"label"` or `"id"` when it is not the first one.
    private func parseJSONMessage(_ line: String) -> (DataChannelMessage, String?, Int?)? {
        guard let object = JSONValue.parseObject(line),
              let text = object["data"]?.stringValue
        else { return nil }
        let label = object["label"]?.stringValue
        let id = object["id"]?.intValue
        if (object["binary"]?.boolValue) == true {
            guard let bytes = Data(base64Encoded: text) else { return nil }
            return (.binary([UInt8](bytes)), label, id)
        }
        return (.text(text), label, id)
    }
}
