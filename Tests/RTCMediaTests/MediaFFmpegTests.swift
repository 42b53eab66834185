import Foundation
import Testing

@testable import RTCCore
@testable import RTCMedia

/// Real encoders' output through the whole path: ffmpeg writes a file, our reader reads it,
/// frames are packetized, shuffled, reassembled and depacketized, our writer writes them, and
/// ffprobe decodes the result. ffmpeg is a required test peer (Scripts/install-deps installs
/// it): its absence fails these tests.
@Suite(.serialized) struct MediaFFmpegTests {
    static let ffmpeg = "/usr/bin/ffmpeg"
    static let ffprobe = "/usr/bin/ffprobe"

    /// Written by one reader thread, read after the group's wait (which orders the two).
    final class DataBox: @unchecked Sendable { var data = Data() }

    struct Probe: Decodable {
        struct Stream: Decodable {
            var codec_name: String
            var width: Int?
            var height: Int?
            var channels: Int?
            var nb_read_frames: String?
            var nb_read_packets: String?
            var duration: String?
        }
        var streams: [Stream]
    }

    /// Runs a tool, bounded to 60 s; returns its stdout, fails the test on a non-zero exit or,
    /// with `quiet`, on anything on stderr (ffprobe -v error prints decoding errors there).
    static func run(_ tool: String, _ args: [String], quiet: Bool = false) throws -> Data {
        try #require(
            FileManager.default.isExecutableFile(atPath: tool),
            "\(tool) is missing: install ffmpeg (Scripts/install-deps)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        try p.run()
        // Read while it runs so a full pipe cannot stall it.
        let stdoutBox = DataBox()
        let stderrBox = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { stdoutBox.data = out.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { stderrBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        if done.wait(timeout: .now() + 60) == .timedOut {
            p.terminate()
            Issue.record("\(tool) timed out")
        }
        _ = group.wait(timeout: .now() + 5)
        let stdout = stdoutBox.data
        let stderr = stderrBox.data
        let errText = String(decoding: stderr, as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(tool) \(args.joined(separator: " ")): \(errText)")
        if quiet { #expect(errText.isEmpty, "\(tool) \(args.joined(separator: " ")): \(errText)") }
        return stdout
    }

    static func probe(_ path: String, countFrames: Bool = true) throws -> Probe.Stream {
        let json = try run(
            ffprobe,
            [
                "-v", "error", countFrames ? "-count_frames" : "-count_packets", "-show_entries",
                "stream=codec_name,width,height,channels,duration,nb_read_frames,nb_read_packets", "-of", "json", path,
            ], quiet: true)
        let probe = try JSONDecoder().decode(Probe.self, from: json)
        return try #require(probe.streams.first)
    }

    static func encode(_ args: [String], to path: String) throws {
        _ = try run(ffmpeg, ["-hide_banner", "-loglevel", "error", "-y"] + args + [path])
    }

    /// Reads every frame of `source`, sends it through packetizer → shuffled, duplicated
    /// packets → assembler, checks the frames came back identical, and writes them to `output`.
    static func relay(_ source: String, codec: MediaCodec, to output: String) throws -> [MediaFrame] {
        let reader = try MediaFile.makeReader(path: source, codec: codec)
        var frames: [MediaFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        var packetizer = RTPStreamPacketizer(
            codec: codec, ssrc: 0xABCD, initialSequenceNumber: 65500, timestampOffset: 0xFFFF_FF00)
        var packets = frames.flatMap { packetizer.packetize($0) }
        var rng = SplitMix64(seed: 14)
        var i = 0
        while i + 6 <= packets.count {
            packets[i..<i + 6].shuffle(using: &rng)
            i += 6
        }
        packets.insert(packets[2], at: 5)
        var assembler = RTPFrameAssembler(codec: codec)
        let writer = try MediaFile.makeWriter(path: output, codec: codec)
        var got: [MediaFrame] = []
        for (n, p) in packets.enumerated() {
            for f in assembler.push(p, now: .ms(UInt64(n))) {
                got.append(f)
                try writer.write(f)
            }
        }
        for f in assembler.flush() {
            got.append(f)
            try writer.write(f)
        }
        try writer.close()
        #expect(got.count == frames.count)
        #expect(got.map(\.data) == frames.map(\.data))
        #expect(got.map(\.isKeyframe) == frames.map(\.isKeyframe))
        #expect(assembler.lostPackets == 0 && assembler.droppedFrames == 0)
        return frames
    }

    struct VideoCase: CustomTestStringConvertible, Sendable {
        var codec: MediaCodec
        var encoder: [String]
        var file: String
        var testDescription: String { codec.encodingName }
    }

    static let videoCases: [VideoCase] = [
        .init(
            codec: .vp8, encoder: ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-f", "ivf"],
            file: "v.ivf"),
        .init(
            codec: .vp9, encoder: ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-f", "ivf"],
            file: "v.ivf"),
        .init(
            codec: .av1, encoder: ["-c:v", "libaom-av1", "-usage", "realtime", "-cpu-used", "8", "-f", "ivf"],
            file: "v.ivf"),
        .init(
            codec: .h264, encoder: ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-f", "h264"],
            file: "v.h264"),
    ]

    /// 30 frames of 320x240 test pattern in, 30 decodable frames of 320x240 out.
    @Test(arguments: videoCases)
    func videoThroughRTP(_ c: VideoCase) throws {
        let source = MediaSamples.temporaryPath("src-" + c.file)
        let output = MediaSamples.temporaryPath("out-" + c.file)
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: output)
        }
        try Self.encode(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "1"] + c.encoder, to: source)
        let frames = try Self.relay(source, codec: c.codec, to: output)
        #expect(frames.first?.isKeyframe == true)
        if c.codec != .h264 {
            let header = try IVFReader(path: output).header
            #expect(header.width == 320 && header.height == 240)
            #expect(header.frameCount == UInt32(frames.count))
        }
        let probed = try Self.probe(output)
        #expect(probed.nb_read_frames == "30")
        #expect(probed.width == 320 && probed.height == 240)
    }

    /// One second of Opus from libopus (Ogg) through RTP and back: as many packets and decoded
    /// frames as the source has, same durations.
    @Test func opusThroughRTP() throws {
        let source = MediaSamples.temporaryPath("src.ogg")
        let output = MediaSamples.temporaryPath("out.opus")
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: output)
        }
        try Self.encode(
            [
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1", "-c:a", "libopus", "-b:a",
                "32k",
                "-f", "ogg",
            ], to: source)
        let frames = try Self.relay(source, codec: .opus, to: output)
        #expect(frames.count >= 50)
        #expect(frames.allSatisfy { $0.duration == 960 })
        let src = try Self.probe(source)
        let out = try Self.probe(output)
        #expect(out.codec_name == "opus")
        #expect(out.nb_read_frames == src.nb_read_frames)
        #expect(out.nb_read_frames == String(frames.count))
        let packets = try Self.probe(output, countFrames: false)
        #expect(packets.nb_read_packets == String(frames.count))
    }

    /// A packet lost inside a delta frame, with key frames every 10 frames: that frame and the
    /// rest of its group are dropped (needsKeyframe meanwhile), the next group comes through, and
    /// ffprobe decodes every written frame without an error: nothing corrupt reaches the file.
    @Test(arguments: [videoCases[0], videoCases[3]])
    func lossDropsUntilKeyframeAndOutputDecodes(_ c: VideoCase) throws {
        let source = MediaSamples.temporaryPath("src-" + c.file)
        let output = MediaSamples.temporaryPath("lossy-" + c.file)
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: output)
        }
        try Self.encode(
            ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "1", "-g", "10"] + c.encoder, to: source)
        let reader = try MediaFile.makeReader(path: source, codec: c.codec)
        var frames: [MediaFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        #expect(frames.count == 30)
        #expect(frames.indices.filter { frames[$0].isKeyframe } == [0, 10, 20])
        var packetizer = RTPStreamPacketizer(codec: c.codec, ssrc: 5, initialSequenceNumber: 100, timestampOffset: 0)
        let perFrame = frames.map { packetizer.packetize($0) }
        var assembler = RTPFrameAssembler(codec: c.codec, maxDelay: .milliseconds(20))
        let writer = try MediaFile.makeWriter(path: output, codec: c.codec)
        var written: [MediaFrame] = []
        var askedForKeyframe = false
        var t: UInt64 = 0
        for (i, packets) in perFrame.enumerated() {
            for (j, p) in packets.enumerated() {
                // Frame 13 loses its last packet (the one with the marker) for good.
                if i == 13 && j == packets.count - 1 { continue }
                t += 1
                for f in assembler.push(p, now: .ms(t)) {
                    written.append(f)
                    try writer.write(f)
                }
            }
            t += 33
            for f in assembler.release(now: .ms(t)) {
                written.append(f)
                try writer.write(f)
            }
            if assembler.needsKeyframe { askedForKeyframe = true }
        }
        for f in assembler.flush() {
            written.append(f)
            try writer.write(f)
        }
        try writer.close()
        #expect(askedForKeyframe && !assembler.needsKeyframe)
        #expect(assembler.lostPackets == 1)
        #expect(written.map(\.data) == Array(frames[0..<13].map(\.data) + frames[20...].map(\.data)))
        let probed = try Self.probe(output)
        #expect(probed.nb_read_frames == String(written.count))
        #expect(probed.width == 320 && probed.height == 240)
    }

    /// A raw H.264 stream has no timestamps; the reader paces by the SPS's VUI timing (x264
    /// writes it), here 25 frames per second, 3600 ticks of 90 kHz each.
    @Test func h264ReaderPacesBySPSTiming() throws {
        let source = MediaSamples.temporaryPath("25.h264")
        defer { try? FileManager.default.removeItem(atPath: source) }
        try Self.encode(
            [
                "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25", "-t", "0.4", "-c:v", "libx264", "-preset",
                "ultrafast",
                "-f", "h264",
            ], to: source)
        let reader = try H264AnnexBReader(path: source)
        var frames: [MediaFrame] = []
        while let f = try reader.nextFrame() { frames.append(f) }
        #expect(frames.count == 10)
        #expect(frames.map(\.rtpTimestamp) == (0..<10).map { UInt32($0) * 3600 })
        #expect(frames.allSatisfy { $0.duration == 3600 })
    }

    /// G.711 from ffmpeg's WAV muxer through RTP and back: 50 frames of 20 ms, and ffprobe sees
    /// one second of the same codec.
    @Test(arguments: [("pcm_mulaw", MediaCodec.pcmu), ("pcm_alaw", MediaCodec.pcma)])
    func g711ThroughRTP(encoder: String, codec: MediaCodec) throws {
        let source = MediaSamples.temporaryPath("src.wav")
        let output = MediaSamples.temporaryPath("out.wav")
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: output)
        }
        try Self.encode(
            ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=1", "-c:a", encoder, "-ac", "1"],
            to: source)
        let frames = try Self.relay(source, codec: codec, to: output)
        #expect(frames.count == 50)
        let probed = try Self.probe(output)
        #expect(probed.codec_name == encoder)
        #expect(probed.duration == "1.000000")
    }
}
