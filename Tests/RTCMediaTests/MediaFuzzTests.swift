import Foundation
import Testing

@testable import RTCCore
@testable import RTCMedia

/// Hostile input never traps: random and mutated payloads through every depacketizer and the
/// assembler, random bytes through the header parsers, and files cut at every length through
/// the readers (which end or throw, never crash).
@Suite struct MediaFuzzTests {
    @Test(arguments: MediaRoundTripTests.codecs)
    func randomAndMutatedPacketsNeverTrap(codec: MediaCodec) {
        var rng = SplitMix64(seed: UInt64(codec.defaultPayloadType))
        var packetizer = RTPStreamPacketizer(
            codec: codec, ssrc: 1, initialSequenceNumber: 0, timestampOffset: 0, maxPayloadSize: 200)
        let valid = MediaSamples.frames(codec, count: 20, keyEvery: 5, size: 600).flatMap { packetizer.packetize($0) }
        var d = codec.makeDepacketizer()
        var a = RTPFrameAssembler(codec: codec, capacity: 16, maxDelay: .milliseconds(5))
        var emitted = 0
        for i in 0..<4000 {
            var p = valid[Int.random(in: 0..<valid.count, using: &rng)]
            switch i % 4 {
            case 0:
                p.payload = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng)
                }
            case 1:
                if !p.payload.isEmpty {
                    let k = Int.random(in: 0..<p.payload.count, using: &rng)
                    p.payload[k] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 2:
                p.payload = Array(p.payload.prefix(Int.random(in: 0...p.payload.count, using: &rng)))
            default:
                p.sequenceNumber = UInt16.random(in: 0...UInt16.max, using: &rng)
            }
            p.marker = Bool.random(using: &rng)
            emitted += d.push(p).count
            emitted += a.push(p, now: .ms(UInt64(i))).count
        }
        emitted += a.flush().count
        // Audio passes any non-empty payload through; video must have rejected much of this.
        #expect(codec.kind == .audio ? emitted > 0 : d.droppedFrames > 0)
    }

    @Test func headerParsersSurviveRandomBytes() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0..<24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = VP8PayloadDescriptor.parse(bytes)
            _ = VP9PayloadDescriptor.parse(bytes)
            _ = VP8FrameHeader(bytes)
            _ = VP9FrameHeader(bytes)
            _ = AV1OBU.parseStream(bytes)
            _ = AV1SequenceHeader(bytes[...])
            _ = OpusPacket.duration(bytes)
            _ = H264NALUnit.split(annexB: bytes)
            _ = IVFHeader(parsing: bytes + [UInt8](repeating: 0, count: 32))
            _ = OpusHead(parsing: bytes)
        }
    }

    /// Every prefix of a valid file reads as a shorter file or fails with a MediaFileError.
    @Test(arguments: ["ivf", "ogg", "h264", "wav"])
    func truncatedFilesEndOrThrow(ext: String) throws {
        let path = MediaSamples.temporaryPath("t." + ext)
        let cut = MediaSamples.temporaryPath("cut." + ext)
        defer {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: cut)
        }
        let codec: MediaCodec = ["ivf": .vp8, "ogg": .opus, "h264": .h264, "wav": .pcma][ext]!
        let frames = MediaSamples.frames(codec, count: 4, size: 300)
        let w = try MediaFile.makeWriter(path: path, codec: codec)
        for f in frames { try w.write(f) }
        try w.close()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        for n in stride(from: 0, to: bytes.count, by: 7) {
            try Data(bytes[0..<n]).write(to: URL(fileURLWithPath: cut))
            do {
                let r = try MediaFile.makeReader(path: cut)
                var count = 0
                while (try r.nextFrame()) != nil { count += 1 }
                #expect(count <= frames.count)
            } catch {
                // A one-line error naming the file.
                #expect(error.description.contains(cut) && !error.description.contains("\n"))
            }
        }
    }
}
