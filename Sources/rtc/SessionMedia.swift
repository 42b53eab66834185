import FoundationEssentials
import RTC

/// The media half of one `offer`/`answer` session: adds the sections `MediaOptions` ask for,
/// and once connected starts their sources and sinks, reports `track`, `keyframe-request` and
/// `stats` events. Loop-thread only.
final class SessionMedia {
    let options: MediaOptions
    private let loop: EventLoop
    private let event: ([String: JSONValue]) -> Void
    private var sections: [(transceiver: MediaTransceiver, input: MediaURL?, output: MediaURL?)] = []
    private var sources: [RTPUDPSource] = []
    private var sinks: [RTPUDPSink] = []
    private var fileSources: [MediaFileSource] = []
    private var fileSinks: [MediaFileSink] = []
    /// A file that cannot be written or read ends the session with this (set by `start`).
    var onFatal: ((CLIError) -> Void)?
    private var statsTimer: ScheduledTask?
    private(set) var started = false

    init(options: MediaOptions, loop: EventLoop, event: @escaping ([String: JSONValue]) -> Void) {
        self.options = options
        self.loop = loop
        self.event = event
    }

    /// Adds our sections to a new connection (before the offer is made or the offer applied).
    func prepare(_ pc: PeerConnection) {
        srtpStatistics = { [weak pc] in pc?.srtpStatistics }
        sections = options.requests.map { (pc.addTransceiver($0.request), $0.input, $0.output) }
    }

    /// True when at least one section was negotiated.
    var isNegotiated: Bool { sections.contains { $0.transceiver.negotiated != nil } }

    /// Starts sources and sinks of the negotiated sections.
    /// - Throws: `CLIError` when a source port cannot be bound or a file cannot be opened.
    func start() throws {
        guard !started else { return }
        started = true
        var udpSinks: [(MediaTransceiver, TransportAddress)] = []
        // Reported once sinks and the --sdp-out file exist, so a script can act on the event.
        var tracks: [[String: JSONValue]] = []
        for (t, input, output) in sections {
            guard let n = t.negotiated else {
                if options.isEnabled { printError("rtc: the peer rejected the \(t.request.codec.rawValue) \(t.kind.rawValue) section") }
                continue
            }
            tracks.append(["type": "track", "mid": .string(t.mid), "kind": .string(t.kind.rawValue),
                   "codec": .string(n.codec.rawValue), "payloadType": .int(Int(n.payloadType)),
                   "ssrc": .int(Int(t.ssrc)), "remoteSsrc": t.remoteSSRC.map { .int(Int($0)) } ?? .null,
                   "direction": .string(n.direction.rawValue),
                   "rtxPayloadType": n.rtxPayloadType.map { .int(Int($0)) } ?? .null,
                   "rtxSsrc": n.rtxPayloadType == nil ? .null : .int(Int(t.rtxSSRC))])
            t.onKeyframeRequest = { [weak self, weak t] in
                guard let self, let t else { return }
                self.event(["type": "keyframe-request", "mid": .string(t.mid), "kind": .string(t.kind.rawValue)])
            }
            if n.direction.sends, let input {
                switch input {
                case let .udp(address):
                    do {
                        sources.append(try RTPUDPSource(loop: loop, address: address, transceiver: t))
                    } catch {
                        throw CLIError(.failure, "cannot bind \(input) for \(t.kind.rawValue) input: \(error)")
                    }
                case let .file(path):
                    do {
                        let source = try MediaFileSource(loop: loop, path: path, transceiver: t, loopFile: options.loop)
                        source.onEnd = { error in
                            if let error { printError("rtc: \(t.kind.rawValue) input: \(error)") }
                        }
                        fileSources.append(source)
                    } catch {
                        throw CLIError(.dataError, "cannot read --\(t.kind.rawValue)-in \(path): \(error)")
                    }
                }
            }
            if n.direction.receives, let output {
                switch output {
                case let .udp(address):
                    do {
                        sinks.append(try RTPUDPSink(loop: loop, destination: address, transceiver: t))
                    } catch {
                        throw CLIError(.failure, "cannot open a socket for \(output): \(error)")
                    }
                    udpSinks.append((t, address))
                case let .file(path):
                    do {
                        let sink = try MediaFileSink(loop: loop, path: path, transceiver: t)
                        sink.onFailure = { [weak self] error in
                            self?.onFatal?(CLIError(.failure, "cannot write --\(t.kind.rawValue)-out \(path): \(error)"))
                        }
                        fileSinks.append(sink)
                    } catch {
                        throw CLIError(.failure, "cannot create --\(t.kind.rawValue)-out \(path): \(error)")
                    }
                }
            }
        }
        if let path = options.sdpOut {
            let text = RTPUDPSink.sessionDescription(udpSinks.map { (transceiver: $0.0, destination: $0.1) })
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                throw CLIError(.failure, "cannot write --sdp-out \(path)")
            }
        }
        for t in tracks { event(t) }
        if options.statsInterval > 0 { scheduleStats() }
        for s in fileSources { s.start() }
    }

    private func scheduleStats() {
        statsTimer = loop.schedule(in: .milliseconds(Int64(options.statsInterval * 1000))) { [weak self] in
            guard let self else { return }
            for (t, _, _) in self.sections where t.negotiated != nil { self.event(self.statsEvent(t)) }
            self.scheduleStats()
        }
    }

    /// Session-wide SRTP counters, added to each stats event.
    var srtpStatistics: (() -> SRTPStatistics?)?

    func statsEvent(_ t: MediaTransceiver) -> [String: JSONValue] {
        let s = t.statistics
        var e: [String: JSONValue] = [
            "type": "stats", "mid": .string(t.mid), "kind": .string(t.kind.rawValue),
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
        if let srtp = srtpStatistics?() {
            e["srtpAuthenticationFailures"] = .int(srtp.authenticationFailures)
            e["srtpReplayDrops"] = .int(srtp.replayDrops)
        }
        return e
    }

    func close() {
        statsTimer?.cancel()
        for s in sources { s.close() }
        for s in sinks { s.close() }
        for s in fileSources { s.close() }
        for s in fileSinks { s.close() }
        sources.removeAll()
        sinks.removeAll()
        fileSources.removeAll()
        fileSinks.removeAll()
    }
}
