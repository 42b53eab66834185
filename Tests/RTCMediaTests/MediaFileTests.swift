import Foundation
import Testing

@testable import RTCMedia

@Suite struct MediaFileTests {
    /// The Ogg CRC computed bit by bit (no table), straight from RFC 3533 §6's definition:
    /// polynomial 0x04C11DB7, initial 0, no reflection, no final XOR.
    static func bitwiseOggCRC(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0
        for byte in bytes {
            for bit in (0..<8).reversed() {
                let inBit = UInt32(byte >> UInt8(bit) & 1)
                let top = crc >> 31
                crc <<= 1
                if top ^ inBit == 1 { crc ^= 0x04C1_1DB7 }
            }
        }
        return crc
    }

    struct Page {
        var flags: UInt8
        var granule: Int64
        var serial: UInt32
        var sequence: UInt32
        var crc: UInt32
        var computed: UInt32
        var lacing: [UInt8]
        var body: [UInt8]
    }

    /// Splits an Ogg file into pages independently of the reader under test.
    static func pages(_ b: [UInt8]) -> [Page] {
        var pages: [Page] = []
        var i = 0
        while i + 27 <= b.count {
            let n = Int(b[i + 26])
            let bodyLength = b[i + 27..<i + 27 + n].reduce(0) { $0 + Int($1) }
            let end = i + 27 + n + bodyLength
            var zeroed = Array(b[i..<end])
            zeroed.replaceSubrange(22..<26, with: [0, 0, 0, 0])
            pages.append(
                Page(
                    flags: b[i + 5], granule: Int64(bitPattern: readLE64(b, i + 6)), serial: readLE32(b, i + 14),
                    sequence: readLE32(b, i + 18), crc: readLE32(b, i + 22), computed: bitwiseOggCRC(zeroed),
                    lacing: Array(b[i + 27..<i + 27 + n]), body: Array(b[i + 27 + n..<end])))
            i = end
        }
        return pages
    }

    @Test func oggCRCMatchesBitwiseDefinition() {
        let data = MediaSamples.body(1000, seed: 5) + [0, 0, 0]
        #expect(OggCRC.checksum(data) == Self.bitwiseOggCRC(data))
        // The catalogue check value of CRC-32/CKSUM ("123456789" gives 0x765E7680) without its
        // final XOR: the same polynomial, init 0, no reflection.
        #expect(Self.bitwiseOggCRC(Array("123456789".utf8)) == 0x89A1_897F)
    }

    @Test func oggOpusWriterStructure() throws {
        let path = MediaSamples.temporaryPath("a.ogg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try OggOpusWriter(path: path, channels: 2, serial: 0xCAFE)
        let frames = MediaSamples.frames(.opus, count: 5)
        for f in frames { try w.write(f) }
        try w.close()
        let pages = Self.pages(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(pages.count == 7)
        for (i, p) in pages.enumerated() {
            #expect(p.crc == p.computed, "page \(i) CRC")
            #expect(p.serial == 0xCAFE && p.sequence == UInt32(i))
        }
        #expect(pages[0].flags == 0x02 && pages[0].granule == 0)
        #expect(Array(pages[0].body[0..<8]) == Array("OpusHead".utf8))
        #expect(pages[0].body[8] == 1 && pages[0].body[9] == 2)
        #expect(readLE32(pages[0].body, 12) == 48_000)
        #expect(Array(pages[1].body[0..<8]) == Array("OpusTags".utf8) && pages[1].granule == 0)
        // 20 ms packets: granules 960, 1920, ...; the last page is end-of-stream.
        #expect(pages[2...].map(\.granule) == [960, 1920, 2880, 3840, 4800])
        #expect(pages[2].body == frames[0].data && pages[2].lacing == [120])
        #expect(pages[6].flags == 0x04 && pages[5].flags == 0)
    }

    /// A 60 ms hole in the timestamps (DTX) is filled with three 20 ms concealment packets.
    @Test func oggOpusWriterFillsGaps() throws {
        let path = MediaSamples.temporaryPath("gap.ogg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try OggOpusWriter(path: path, serial: 1)
        try w.write(MediaFrame(data: MediaSamples.opus(size: 50, seed: 1), rtpTimestamp: 1000, isKeyframe: true))
        try w.write(
            MediaFrame(data: MediaSamples.opus(size: 50, seed: 2), rtpTimestamp: 1000 + 960 * 4, isKeyframe: true))
        try w.close()
        let pages = Self.pages(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let last = try #require(pages.last)
        #expect(last.granule == 960 * 5)
        #expect(last.lacing == [1, 1, 1, 50])
        let r = try OggOpusReader(path: path)
        var n = 0
        while let f = try r.nextFrame() {
            n += 1
            #expect(f.duration == 960)
        }
        #expect(n == 5)
    }

    @Test func oggOpusReaderReadsWhatWasWritten() throws {
        let path = MediaSamples.temporaryPath("b.opus")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let frames =
            MediaSamples.frames(.opus, count: 20) + [
                MediaFrame(data: [0xF8] + MediaSamples.body(700, seed: 3), rtpTimestamp: 20 * 960, isKeyframe: true)
            ]
        let w = try MediaFile.makeWriter(path: path, codec: .opus)
        for f in frames { try w.write(f) }
        try w.close()
        let r = try MediaFile.makeReader(path: path, codec: .opus)
        var got: [MediaFrame] = []
        while let f = try r.nextFrame() { got.append(f) }
        #expect(got.map(\.data) == frames.map(\.data))
        #expect(got.map(\.rtpTimestamp) == frames.map(\.rtpTimestamp))
        #expect(got.allSatisfy { $0.duration == 960 })
    }

    @Test func oggCorruptPageIsMalformed() throws {
        let path = MediaSamples.temporaryPath("bad.ogg")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try OggOpusWriter(path: path, serial: 1)
        try w.write(MediaSamples.frames(.opus, count: 1)[0])
        try w.close()
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 3] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try OggOpusReader(path: path)
        #expect(throws: MediaFileError.self) { try r.nextFrame() }
    }

    @Test func ivfWriterHeaderAndFrames() throws {
        let path = MediaSamples.temporaryPath("a.ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try IVFWriter(path: path, codec: .vp8)
        // Before any frame: a valid header, 640x480 placeholder, no frames.
        var b = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(b.count == 32 && IVFHeader(parsing: b)?.width == 640)
        let frames = MediaSamples.frames(.vp8, count: 4).map { f -> MediaFrame in
            var f = f
            f.rtpTimestamp &+= 0xFFFF_F000  // wraps between frames 1 and 2
            return f
        }
        for f in frames { try w.write(f) }
        b = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let h = try #require(IVFHeader(parsing: b))
        #expect(h.fourcc == "VP80" && h.width == 320 && h.height == 240)
        #expect(h.timebaseDenominator == 90_000 && h.timebaseNumerator == 1)
        #expect(h.frameCount == 4)
        #expect(Array(b[6..<8]) == [32, 0])
        var off = 32
        for (i, f) in frames.enumerated() {
            #expect(Int(readLE32(b, off)) == f.data.count)
            #expect(readLE64(b, off + 4) == UInt64(i * 3000))
            #expect(Array(b[off + 12..<off + 12 + f.data.count]) == f.data)
            off += 12 + f.data.count
        }
        #expect(off == b.count)
        try w.close()
    }

    @Test(arguments: [MediaCodec.vp8, .vp9, .av1])
    func ivfReaderReadsWhatWasWritten(codec: MediaCodec) throws {
        let path = MediaSamples.temporaryPath("r.ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let frames = MediaSamples.frames(codec, count: 12, keyEvery: 5)
        let w = try MediaFile.makeWriter(path: path, codec: codec)
        for f in frames { try w.write(f) }
        try w.close()
        let r = try MediaFile.makeReader(path: path)
        #expect(r.codec == codec)
        var got: [MediaFrame] = []
        while let f = try r.nextFrame() { got.append(f) }
        #expect(got.map(\.data) == frames.map(\.data))
        #expect(got.map(\.isKeyframe) == frames.map(\.isKeyframe))
        #expect(got.map(\.rtpTimestamp) == frames.map(\.rtpTimestamp))
        #expect(got.allSatisfy { $0.duration == 3000 })
    }

    @Test func loopingReaderContinuesTimestamps() throws {
        let path = MediaSamples.temporaryPath("loop.ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try IVFWriter(path: path, codec: .vp8)
        for f in MediaSamples.frames(.vp8, count: 3) { try w.write(f) }
        try w.close()
        let r = try MediaFile.makeReader(path: path, codec: .vp8, loop: true)
        var stamps: [UInt32] = []
        for _ in 0..<7 { stamps.append(try #require(try r.nextFrame()).rtpTimestamp) }
        #expect(stamps == [0, 3000, 6000, 9000, 12000, 15000, 18000])
    }

    @Test func annexBWriterAndReader() throws {
        let path = MediaSamples.temporaryPath("a.h264")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let frames = MediaSamples.frames(.h264, count: 15, keyEvery: 6)
        let w = try MediaFile.makeWriter(path: path, codec: .h264)
        for f in frames { try w.write(f) }
        try w.close()
        let r = try MediaFile.makeReader(path: path)
        var got: [MediaFrame] = []
        while let f = try r.nextFrame() { got.append(f) }
        #expect(got.map(\.data) == frames.map(\.data))
        #expect(got.map(\.isKeyframe) == frames.map(\.isKeyframe))
        #expect(got.map(\.rtpTimestamp) == frames.map(\.rtpTimestamp))
        try r.rewind()
        #expect(try r.nextFrame()?.data == frames[0].data)
    }

    /// Access unit delimiters split units even when slices would not.
    @Test func annexBReaderSplitsOnAUD() throws {
        let path = MediaSamples.temporaryPath("aud.264")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sc: [UInt8] = [0, 0, 1]
        let aud: [UInt8] = [0x09, 0x10]
        // Two units behind AUDs, each of two slices (the second with first_mb_in_slice > 0).
        let unit1 = sc + aud + sc + [0x65, 0x88, 1] + sc + [0x65, 0x40, 2]
        let unit2 = sc + aud + sc + [0x41, 0x9A, 3] + sc + [0x41, 0x40, 4]
        try Data(unit1 + unit2).write(to: URL(fileURLWithPath: path))
        let r = try H264AnnexBReader(path: path, frameRate: 25)
        let f1 = try #require(try r.nextFrame())
        let f2 = try #require(try r.nextFrame())
        #expect(try r.nextFrame() == nil)
        #expect(f1.isKeyframe && !f2.isKeyframe)
        #expect(H264NALUnit.split(annexB: f1.data).count == 3 && H264NALUnit.split(annexB: f2.data).count == 3)
        #expect(f2.rtpTimestamp == 3600 && f2.duration == 3600)
    }

    @Test func factoryChoosesByExtensionAndRejectsMismatches() throws {
        #expect(throws: MediaFileError.self) { try MediaFile.makeWriter(path: "/tmp/x.ogg", codec: .vp8) }
        #expect(throws: MediaFileError.self) { try MediaFile.makeWriter(path: "/tmp/x.ivf", codec: .h264) }
        #expect(throws: MediaFileError.self) { try MediaFile.makeWriter(path: "/tmp/x.wav", codec: .opus) }
        #expect(throws: MediaFileError.self) { try MediaFile.makeReader(path: "/tmp/x.mp4") }
        let missing = MediaSamples.temporaryPath("missing.ivf")
        do {
            _ = try MediaFile.makeReader(path: missing)
            Issue.record("opened a missing file")
        } catch {
            #expect(error.description.hasPrefix("cannot open \(missing): "))
            #expect(!error.description.contains("\n"))
        }
        // An IVF holding VP8 is not a VP9 source.
        let path = MediaSamples.temporaryPath("v.ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try IVFWriter(path: path, codec: .vp8).close()
        #expect(throws: MediaFileError.self) { try MediaFile.makeReader(path: path, codec: .vp9) }
        #expect(try MediaFile.makeReader(path: path).nextFrame() == nil)
    }

    @Test(arguments: [MediaCodec.pcmu, .pcma])
    func wavWriterStructureAndReader(codec: MediaCodec) throws {
        let path = MediaSamples.temporaryPath("a.wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try MediaFile.makeWriter(path: path, codec: codec)
        let frames = MediaSamples.frames(codec, count: 3)  // 160 bytes each, 160 ticks apart
        for f in frames { try w.write(f) }
        let b = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(b.count == 58 + 480)
        #expect(Array(b[0..<4]) == Array("RIFF".utf8) && readLE32(b, 4) == UInt32(b.count - 8))
        #expect(Array(b[8..<16]) == Array("WAVEfmt ".utf8) && readLE32(b, 16) == 18)
        #expect(readLE16(b, 20) == (codec == .pcmu ? 7 : 6) && readLE16(b, 22) == 1)
        #expect(readLE32(b, 24) == 8000 && readLE16(b, 34) == 8)
        #expect(Array(b[38..<42]) == Array("fact".utf8) && readLE32(b, 46) == 480)
        #expect(Array(b[50..<54]) == Array("data".utf8) && readLE32(b, 54) == 480)
        // A 40 ms hole is filled with G.711 silence.
        try w.write(MediaFrame(data: frames[0].data, rtpTimestamp: 480 + 320, isKeyframe: true))
        try w.close()
        let r = try MediaFile.makeReader(path: path, codec: codec)
        var got: [MediaFrame] = []
        while let f = try r.nextFrame() { got.append(f) }
        #expect(got.count == 6)
        #expect(got.map(\.rtpTimestamp) == (0..<6).map { UInt32($0) * 160 })
        #expect(Array(got[0...2].map(\.data)) == frames.map(\.data))
        #expect(got[3].data == [UInt8](repeating: codec == .pcmu ? 0xFF : 0xD5, count: 160))
        #expect(got[5].data == frames[0].data)
    }

    @Test func notIVFIsMalformed() throws {
        let path = MediaSamples.temporaryPath("junk.ivf")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(repeating: 0x41, count: 64).write(to: URL(fileURLWithPath: path))
        #expect(throws: MediaFileError.malformed(path: path, reason: "no IVF header (DKIF) in the first 32 bytes")) {
            try IVFReader(path: path)
        }
    }
}
