import FoundationEssentials
import RTC

/// The media half of one session: adds the sections the configuration asks for, and once
/// connected starts their sources and sinks, reports `track`, `keyframeRequest` and `stats`
/// events. Loop-thread only.
final class SessionMedia {
    let options: SessionConfiguration
    private let loop: EventLoop
    private let event: (SessionEvent) -> Void
    private var sections: [(transceiver: MediaTransceiver, input: MediaURL?, output: MediaURL?)] = []
    private var sources: [RTPUDPSource] = []
    private var sinks: [RTPUDPSink] = []
    private var fileSources: [MediaFileSource] = []
    private var fileSinks: [MediaFileSink] = []
    /// A file that cannot be written or read ends the session with this (set by `start`).
    var onFatal: ((SessionError) -> Void)?
    private var statsTimer: ScheduledTask?
    private(set) var started = false

    init(options: SessionConfiguration, loop: EventLoop, event: @escaping (SessionEvent) -> Void) {
        self.options = options
        self.loop = loop
        self.event = event
    }

    /// Adds our sections to a new connection (before the offer is made or the offer applied).
    func prepare(_ pc: PeerConnection) {
        srtpStatistics = { [weak pc] in pc?.srtpStatistics }
        sections = options.media.map { (pc.addTransceiver($0.request), $0.input, $0.output) }
    }

    /// True when at least one section was negotiated.
    var isNegotiated: Bool { sections.contains { $0.transceiver.negotiated != nil } }

    /// Starts sources and sinks of the negotiated sections.
    /// - Throws: `SessionError` when a source port cannot be bound or a file cannot be opened.
    func start() throws {
        guard !started else { return }
        started = true
        var udpSinks: [(MediaTransceiver, TransportAddress)] = []
        // Reported once sinks and the --sdp-out file exist, so a script can act on the event.
        var tracks: [MediaTrackInfo] = []
        for (t, input, output) in sections {
            guard let n = t.negotiated else {
                event(.notice("the peer rejected the \(t.request.codec.rawValue) \(t.kind.rawValue) section"))
                continue
            }
            tracks.append(MediaTrackInfo(mid: t.mid, kind: t.kind, codec: n.codec, payloadType: n.payloadType,
                                         ssrc: t.ssrc, remoteSSRC: t.remoteSSRC, direction: n.direction,
                                         rtxPayloadType: n.rtxPayloadType,
                                         rtxSSRC: n.rtxPayloadType == nil ? nil : t.rtxSSRC))
            t.onKeyframeRequest = { [weak self, weak t] in
                guard let self, let t else { return }
                self.event(.keyframeRequest(mid: t.mid, kind: t.kind))
            }
            if n.direction.sends, let input {
                switch input {
                case let .udp(address):
                    do {
                        sources.append(try RTPUDPSource(loop: loop, address: address, transceiver: t))
                    } catch {
                        throw SessionError.failure("cannot bind \(input) for \(t.kind.rawValue) input: \(error)")
                    }
                case let .file(path):
                    do {
                        let source = try MediaFileSource(loop: loop, path: path, transceiver: t, loopFile: options.loopFiles)
                        source.onEnd = { [weak self] error in
                            if let error { self?.event(.notice("\(t.kind.rawValue) input: \(error)")) }
                        }
                        fileSources.append(source)
                    } catch {
                        throw SessionError.badInput("cannot read --\(t.kind.rawValue)-in \(path): \(error)")
                    }
                }
            }
            if n.direction.receives, let output {
                switch output {
                case let .udp(address):
                    do {
                        sinks.append(try RTPUDPSink(loop: loop, destination: address, transceiver: t))
                    } catch {
                        throw SessionError.failure("cannot open a socket for \(output): \(error)")
                    }
                    udpSinks.append((t, address))
                case let .file(path):
                    do {
                        let sink = try MediaFileSink(loop: loop, path: path, transceiver: t)
                        sink.onFailure = { [weak self] error in
                            self?.onFatal?(SessionError.failure("cannot write --\(t.kind.rawValue)-out \(path): \(error)"))
                        }
                        fileSinks.append(sink)
                    } catch {
                        throw SessionError.failure("cannot create --\(t.kind.rawValue)-out \(path): \(error)")
                    }
                }
            }
        }
        if let path = options.sdpOut {
            let text = RTPUDPSink.sessionDescription(udpSinks.map { (transceiver: $0.0, destination: $0.1) })
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
                throw SessionError.failure("cannot write --sdp-out \(path)")
            }
        }
        for t in tracks { event(.track(t)) }
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

    func statsEvent(_ t: MediaTransceiver) -> SessionEvent {
        .stats(MediaStatsReport(mid: t.mid, kind: t.kind, statistics: t.statistics, srtp: srtpStatistics?()))
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
