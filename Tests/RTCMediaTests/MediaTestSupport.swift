import Foundation

@testable import RTCCore
@testable import RTCMedia

/// Synthetic coded frames whose headers say what real encoders' would (key/delta, size), with
/// bodies of non-zero pseudo-random bytes (so no accidental H.264 start codes).
enum MediaSamples {
    static func body(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 1...255, using: &rng) }
    }

    /// RFC 6386 §9.1: frame tag (bit 0 = 0 on key frames), start code, 14-bit width/height.
    static func vp8(key: Bool, size: Int, seed: UInt64, width: Int = 320, height: Int = 240) -> [UInt8] {
        if key {
            return [
                0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, UInt8(width & 0xFF), UInt8(width >> 8),
                UInt8(height & 0xFF), UInt8(height >> 8),
            ] + body(max(0, size - 10), seed: seed)
        }
        return [0x31, 0x02, 0x00] + body(max(0, size - 3), seed: seed)
    }

    /// VP9 profile 0: frame marker 10, profile 00, show_existing 0, frame_type, show_frame 1,
    /// error_resilient 0; key frames add the sync code, color space 0, range 0, size 320x240.
    static func vp9(key: Bool, size: Int, seed: UInt64) -> [UInt8] {
        if key {
            return [0x82, 0x49, 0x83, 0x42, 0x00, 0x13, 0xF0, 0x0E, 0xF0] + body(max(0, size - 9), seed: seed)
        }
        return [0x86] + body(max(0, size - 1), seed: seed)
    }

    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xEC, 0x04, 0x40]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]

    /// An Annex B access unit: SPS, PPS and an IDR slice, or a non-IDR slice; slices begin with
    /// first_mb_in_slice 0 (top bit set). `slices` > 1 adds slices with first_mb_in_slice > 0.
    static func h264(key: Bool, size: Int, seed: UInt64, slices: Int = 1, parameterSets: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        if key && parameterSets { out += [0, 0, 0, 1] + sps + [0, 0, 0, 1] + pps }
        for s in 0..<slices {
            let header: UInt8 = key ? 0x65 : 0x41
            let firstByte: UInt8 = s == 0 ? 0x88 : 0x40 | UInt8(s & 0x3F)
            out += [0, 0, 0, 1, header, firstByte] + body(max(1, size / slices - 2), seed: seed &+ UInt64(s))
        }
        return out
    }

    /// A low-overhead AV1 temporal unit: temporal delimiter, (key frames) a sequence header,
    /// and a frame OBU whose first byte says show_existing_frame 0 and the frame type.
    static func av1(key: Bool, size: Int, seed: UInt64) -> [UInt8] {
        var out: [UInt8] = [0x12, 0x00]
        if key {
            let seq: [UInt8] = [0x00, 0x00, 0x00, 0x02, 0xAF, 0xFF, 0x9B, 0x5F, 0x30, 0x08]
            out += [0x0A, UInt8(seq.count)] + seq
        }
        let payload = [key ? 0x10 : 0x30] + body(max(1, size - 1), seed: seed)
        out.append(0x32)
        AV1OBU.appendLEB128(UInt64(payload.count), to: &out)
        return out + payload
    }

    /// An Opus packet: CELT fullband 20 ms, mono, code 0 (RFC 6716 §3.1).
    static func opus(size: Int, seed: UInt64) -> [UInt8] { [0xF8] + body(max(0, size - 1), seed: seed) }

    /// A sequence of frames, a key frame every `keyEvery`.
    static func frames(_ codec: MediaCodec, count: Int, keyEvery: Int = 10, size: Int = 3000) -> [MediaFrame] {
        // 30 fps video; 20 ms of audio at the codec's clock.
        let ticks: UInt32 = codec.kind == .video ? 3000 : codec.clockRate / 50
        return (0..<count).map { i in
            let key = codec.kind == .audio || i % keyEvery == 0
            let seed = UInt64(i) &* 7919
            let s = codec.kind == .audio ? 120 : size + (i * 37) % 500
            let data: [UInt8]
            switch codec {
            case .vp8: data = vp8(key: key, size: s, seed: seed)
            case .vp9: data = vp9(key: key, size: s, seed: seed)
            case .h264: data = h264(key: key, size: s, seed: seed, slices: i % 3 + 1)
            case .av1: data = av1(key: key, size: s, seed: seed)
            case .opus: data = opus(size: s, seed: seed)
            case .pcmu, .pcma: data = body(160, seed: seed)
            }
            return MediaFrame(data: data, rtpTimestamp: UInt32(i) &* ticks, isKeyframe: key)
        }
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rtc-media-\(UUID().uuidString)-\(name)").path
    }
}

extension LoopInstant {
    static func ms(_ v: UInt64) -> LoopInstant { LoopInstant(nanoseconds: 1_000_000_000 + v * 1_000_000) }
}
