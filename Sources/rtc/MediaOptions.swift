import ArgumentParser
import RTC
import RTCSession

extension MediaCodec: ExpressibleByArgument {}

/// Media sections of `offer`/`answer`: codecs, sources and sinks (`udp://HOST:PORT` or a file).
struct MediaOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Add a video section with this codec: vp8, vp9, h264 or av1 (with RTX, RFC 4588, for retransmissions).",
        valueName: "CODEC"))
    var video: MediaCodec?

    @Option(help: ArgumentHelp("Add an audio section with this codec: opus, pcmu or pcma.", valueName: "CODEC"))
    var audio: MediaCodec?

    @Option(name: .customLong("video-in"), help: ArgumentHelp(
        "Send video from udp://HOST:PORT (RTP sent there, by ffmpeg say) or a file (.ivf, .h264).", valueName: "URL"))
    var videoIn: String?

    @Option(name: .customLong("audio-in"), help: ArgumentHelp(
        "Send audio from udp://HOST:PORT (RTP) or a file (.ogg/.opus for Opus, .wav for PCMU/PCMA).", valueName: "URL"))
    var audioIn: String?

    @Option(name: .customLong("video-out"), help: ArgumentHelp(
        "Write the peer's video as RTP to udp://HOST:PORT or as frames to a file (.ivf, .h264).", valueName: "URL"))
    var videoOut: String?

    @Option(name: .customLong("audio-out"), help: ArgumentHelp(
        "Write the peer's audio as RTP to udp://HOST:PORT or to a file (.ogg/.opus, .wav).", valueName: "URL"))
    var audioOut: String?

    @Option(name: .customLong("sdp-out"), help: ArgumentHelp(
        "With udp:// outputs: write an SDP file that ffplay or VLC opens to play them.", valueName: "FILE"))
    var sdpOut: String?

    @Flag(help: "Restart file sources at their beginning when they end.")
    var loop = false

    @Option(name: .customLong("stats-interval"), help: ArgumentHelp(
        "With --json, print a stats event per media section every SECONDS (0: never): packets, bytes, loss, jitter, RTT, NACKs, retransmissions (rtxPacketsSent, retransmissionsReceived).",
        valueName: "SECONDS"))
    var statsInterval: Double = 0

    @Flag(name: .customLong("no-data-channel"), help: "Offer media only, without a data-channel section.")
    var noDataChannel = false

    func validate() throws {
        if let video, video.kind != .video { throw ValidationError("--video takes vp8, vp9, h264 or av1, not \(video.rawValue)") }
        if let audio, audio.kind != .audio { throw ValidationError("--audio takes opus, pcmu or pcma, not \(audio.rawValue)") }
        for (name, value, codec) in [("--video-in", videoIn, video), ("--video-out", videoOut, video),
                                     ("--audio-in", audioIn, audio), ("--audio-out", audioOut, audio)] {
            guard let value else { continue }
            guard codec != nil else {
                throw ValidationError("\(name) needs --\(name.contains("video") ? "video" : "audio") CODEC")
            }
            guard MediaURL(value) != nil else { throw ValidationError("\(name) needs udp://HOST:PORT or a file path, got '\(value)'") }
        }
        if sdpOut != nil && ![videoOut, audioOut].contains(where: { $0?.hasPrefix("udp://") == true }) {
            throw ValidationError("--sdp-out needs a udp:// --video-out or --audio-out")
        }
        if statsInterval < 0 { throw ValidationError("--stats-interval must not be negative") }
        if noDataChannel && video == nil && audio == nil {
            throw ValidationError("--no-data-channel needs --video or --audio")
        }
    }

    var isEnabled: Bool { video != nil || audio != nil }

    /// One request per section: in-only sends, out-only receives, both or neither do both.
    var requests: [(request: MediaTransceiverInit, input: MediaURL?, output: MediaURL?)] {
        var r: [(MediaTransceiverInit, MediaURL?, MediaURL?)] = []
        for (codec, input, output) in [(video, videoIn, videoOut), (audio, audioIn, audioOut)] {
            guard let codec else { continue }
            let direction: MediaDirection = switch (input != nil, output != nil) {
            case (true, false): .sendonly
            case (false, true): .recvonly
            default: .sendrecv
            }
            r.append((MediaTransceiverInit(codec: codec, direction: direction), input.flatMap(MediaURL.init), output.flatMap(MediaURL.init)))
        }
        return r
    }

    /// Puts these sections, files and intervals into a session's configuration.
    func apply(to c: inout SessionConfiguration) {
        c.media = requests.map { MediaSection(request: $0.request, input: $0.input, output: $0.output) }
        c.sdpOut = sdpOut
        c.loopFiles = loop
        c.statsInterval = statsInterval
    }
}
