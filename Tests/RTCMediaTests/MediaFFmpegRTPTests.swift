import Foundation
import Testing

@testable import RTCCore
@testable import RTCRTP
@testable import RTCMedia

#if canImport(Glibc)
import Glibc
#endif

/// Interop with another packetizer: ffmpeg's RTP muxer (RFC 7741 VP8, the VP9 draft, RFC 6184
/// H.264, RFC 7587 Opus) sends to a loopback UDP port this test binds; our assembler turns the
/// packets into frames, our writer into a file, and ffprobe decodes every frame.
@Suite(.serialized) struct MediaFFmpegRTPTests {
    /// A loopback UDP socket on a free port, with a receive timeout.
    final class Receiver {
        let fd: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            try #require(fd >= 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            var size = Int32(4 << 20)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try #require(rc == 0)
            var bound = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &bound) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
            }
            self.fd = fd
            port = UInt16(bigEndian: bound.sin_port)
        }

        deinit { close(fd) }

        /// One datagram, or nil after the timeout.
        func receive() -> [UInt8]? {
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return n > 0 ? Array(buf[0..<n]) : nil
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var codec: MediaCodec
        var input: [String]
        var encoder: [String]
        var file: String
        var expectedFrames: String
        var testDescription: String { codec.encodingName }
    }

    static let video = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=30", "-t", "1"]
    static let cases: [Case] = [
        .init(
            codec: .vp8, input: video, encoder: ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8"],
            file: "r.ivf", expectedFrames: "30"),
        .init(
            codec: .vp9, input: video,
            encoder: ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-strict", "experimental"],
            file: "r.ivf", expectedFrames: "30"),
        .init(
            codec: .h264, input: video, encoder: ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"],
            file: "r.h264", expectedFrames: "30"),
        // 48,000 samples and libopus's 312 of lookahead: 51 packets of 20 ms.
        .init(
            codec: .opus, input: ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1"],
            encoder: ["-c:a", "libopus", "-b:a", "32k"], file: "r.ogg", expectedFrames: "51"),
    ]

    @Test(arguments: cases)
    func ffmpegRTPIntoFile(_ c: Case) throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: MediaFFmpegTests.ffmpeg),
            "ffmpeg is missing: install it (Scripts/install-deps)")
        let output = MediaSamples.temporaryPath(c.file)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let receiver = try Receiver()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: MediaFFmpegTests.ffmpeg)
        p.arguments =
            ["-hide_banner", "-loglevel", "error", "-re"] + c.input + c.encoder
            + ["-f", "rtp", "rtp://127.0.0.1:\(receiver.port)?pkt_size=1200"]
        p.standardOutput = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var assembler = RTPFrameAssembler(codec: c.codec)
        let writer = try MediaFile.makeWriter(path: output, codec: c.codec)
        var frames = 0
        var packets = 0
        let start = Date()
        // Until ffmpeg has exited and its last datagram is in; 30 s at most.
        while Date().timeIntervalSince(start) < 30 {
            guard let datagram = receiver.receive() else {
                if !p.isRunning { break }
                continue
            }
            let packet = try RTPPacket(parsing: datagram)
            packets += 1
            let now = LoopInstant(nanoseconds: UInt64(Date().timeIntervalSince(start) * 1e9) + 1)
            for f in assembler.push(packet, now: now) {
                frames += 1
                try writer.write(f)
            }
        }
        for f in assembler.flush() {
            frames += 1
            try writer.write(f)
        }
        try writer.close()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(packets > 0)
        #expect(assembler.lostPackets == 0 && assembler.droppedFrames == 0)
        #expect(String(frames) == c.expectedFrames)
        let probed = try MediaFFmpegTests.probe(output)
        #expect(probed.nb_read_frames == c.expectedFrames)
        if c.codec.kind == .video { #expect(probed.width == 320 && probed.height == 240) }
    }
}
