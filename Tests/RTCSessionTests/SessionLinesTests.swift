#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTC
import RTCSession
import RTCSignaling

/// The line protocol of `rtc offer`/`answer`: events to output lines, input lines to messages.
@Suite struct SessionLinesTests {
    private func json(_ event: SessionEvent) -> [SessionOutput] { SessionLines.outputs(for: event, json: true) }
    private func plain(_ event: SessionEvent) -> [SessionOutput] { SessionLines.outputs(for: event, json: false) }
    /// The single JSON object `outputs` is, parsed back.
    private func object(_ outputs: [SessionOutput]) -> [String: JSONValue]? {
        guard outputs.count == 1, case let .line(s) = outputs[0] else { return nil }
        return JSONValue.parseObject(s)
    }

    @Test func signalingLinesPassThroughEitherWay() {
        #expect(plain(.signal("{\"type\":\"offer\"}")) == [.line("{\"type\":\"offer\"}")])
        #expect(json(.signal("x")) == [.line("x")])
    }

    @Test func eventsAreObjectsOnlyWithJSON() {
        for event: SessionEvent in [.state(.connected), .open(label: "a", id: 1), .close(label: "a", id: 1),
                                    .keyframeRequest(mid: "0", kind: .video),
                                    .iceRestarted(localUfrag: "l", remoteUfrag: "r")] {
            #expect(plain(event) == [])
            #expect(object(json(event))?["type"] != nil)
        }
        #expect(object(json(.open(label: "files", id: 3))) == ["type": "open", "label": "files", "id": 3])
        #expect(object(json(.state(.connected))) == ["type": "state", "state": .string(PeerConnection.State.connected.rawValue)])
        #expect(object(json(.iceRestarted(localUfrag: "l", remoteUfrag: "r")))
                == ["type": "ice-restart", "ufrag": "l", "remoteUfrag": "r"])
    }

    @Test func messagesAreTextLinesOrObjects() {
        #expect(plain(.message(label: "chat", id: 0, .text("hi"))) == [.line("hi")])
        #expect(plain(.message(label: "chat", id: 0, .binary([1, 2]))) == [.bytes([1, 2, 0x0A])])
        #expect(object(json(.message(label: "chat", id: 0, .text("hi"))))
                == ["type": "message", "label": "chat", "id": 0, "data": "hi"])
        #expect(object(json(.message(label: "b", id: 2, .binary([0xFF, 0, 1]))))
                == ["type": "message", "label": "b", "id": 2, "binary": true, "data": "/wAB"])
    }

    @Test func sendErrorsAndNoticesGoToStderrAndErrorsAlsoToJSON() {
        #expect(plain(.sendError(label: "x", reason: "no such channel")) == [.errorLine("channel 'x': no such channel")])
        #expect(plain(.sendError(label: nil, reason: "too big")) == [.errorLine("too big")])
        let out = json(.sendError(label: "x", reason: "r"))
        #expect(out.first == .errorLine("channel 'x': r"))
        #expect(object(Array(out.dropFirst())) == ["type": "error", "label": "x", "reason": "r"])
        #expect(json(.notice("skipped")) == [.errorLine("skipped")])
    }

    @Test func inputLinesRouteByLabelIdOrDefault() {
        #expect(SessionLines.input("{\"data\":\"x\"}", json: false) == .send(.text("{\"data\":\"x\"}"), label: nil, id: nil))
        #expect(SessionLines.input("{\"data\":\"x\"}", json: true) == .send(.text("x"), label: nil, id: nil))
        #expect(SessionLines.input("{\"type\":\"message\",\"label\":\"files\",\"data\":\"x\"}", json: true)
                == .send(.text("x"), label: "files", id: nil))
        #expect(SessionLines.input("{\"id\":5,\"data\":\"AAEC\",\"binary\":true}", json: true)
                == .send(.binary([0, 1, 2]), label: nil, id: 5))
        #expect(SessionLines.input("{\"type\":\"ice-restart\"}", json: true) == .restartICE)
    }

    @Test(arguments: ["not json", "{\"label\":\"x\"}", "{\"data\":5}", "{\"data\":\"*not base64*\",\"binary\":true}", "[1]"])
    func inputThatIsNotAMessageIsInvalid(_ line: String) {
        #expect(SessionLines.input(line, json: true) == .invalid("stdin line is not a message object: \(line.prefix(60))"))
    }

    @Test func sessionErrorsMapToTheDocumentedExitStatuses() {
        #expect(SessionError.badInput("").exitStatus == .dataError)
        #expect(SessionError.unreachable("").exitStatus == .unavailable)
        #expect(SessionError.timeout("").exitStatus == .timeout)
        #expect(SessionError.failure("").exitStatus == .failure)
        #expect(SessionError.interrupted(signal: SIGINT).exitStatus.rawValue == 130)
        #expect(SessionError.interrupted(signal: SIGTERM).exitStatus.rawValue == 143)
        #expect(SessionError.signaling(SignalingFailure(.timeout, "t")).exitStatus.rawValue == 124)
    }

    @Test func textualSettingsBuildTheConfiguration() throws {
        let c = try PeerConnection.Configuration(
            iceHosts: ["127.0.0.1"], stunServers: ["stun:127.0.0.1:3479", "stun:bad"],
            turnServers: ["turn:127.0.0.2?transport=udp"], turnUsername: "u", turnPassword: "p", relayOnly: true,
            consentTimeout: 2.5)
        #expect(c.iceHosts == [TransportAddress(host: "127.0.0.1", port: 0)!])
        #expect(c.stunServers == [TransportAddress("127.0.0.1:3479")!])
        #expect(c.turnServers.map(\.address) == [TransportAddress("127.0.0.2:3478")!])
        #expect(c.turnServers.map(\.username) == ["u"])
        #expect(c.relayOnly)
        #expect(c.consentTimeout == .milliseconds(2500))
        #expect(throws: (any Error).self) {
            try PeerConnection.Configuration(iceHosts: [], certificate: ("/nonexistent.pem", "/nonexistent.key"))
        }
    }
}
