/// The codecs `rtc` negotiates and carries (it never encodes or decodes them): their SDP names,
/// clock rates, and the payload types and parameters our offers use (Chromium's numbering, so
/// the answers browsers give keep them).
public enum MediaCodec: String, CaseIterable, Sendable, Codable {
    case vp8, vp9, h264, av1, opus, pcmu, pcma

    public enum Kind: String, Sendable, Codable {
        case audio, video
    }

    public var kind: Kind {
        switch self {
        case .vp8, .vp9, .h264, .av1: return .video
        case .opus, .pcmu, .pcma: return .audio
        }
    }

    /// The encoding name of `a=rtpmap` (compared case-insensitively, RFC 4855 §3).
    public var encodingName: String {
        switch self {
        case .vp8: return "VP8"
        case .vp9: return "VP9"
        case .h264: return "H264"
        case .av1: return "AV1"
        case .opus: return "opus"
        case .pcmu: return "PCMU"
        case .pcma: return "PCMA"
        }
    }

    /// RTP timestamp clock: 90 kHz for video (RFC 7741 §4.1 and kin), 48 kHz for Opus
    /// (RFC 7587 §4.1), 8 kHz for G.711 (RFC 3551 §4.5.14).
    public var clockRate: UInt32 {
        switch self {
        case .vp8, .vp9, .h264, .av1: return 90_000
        case .opus: return 48_000
        case .pcmu, .pcma: return 8_000
        }
    }

    /// Channel count in `a=rtpmap` (Opus is always "/2", RFC 7587 §7), nil when omitted.
    public var channels: Int? { self == .opus ? 2 : nil }

    /// The payload type our offers use: static for G.711 (RFC 3551 table 4), Chromium's
    /// dynamic numbers otherwise.
    public var defaultPayloadType: UInt8 {
        switch self {
        case .pcmu: return 0
        case .pcma: return 8
        case .opus: return 111
        case .vp8: return 96
        case .vp9: return 98
        case .h264: return 102
        case .av1: return 45
        }
    }

    /// The payload type of the RTX format (RFC 4588 §8.1) our offers pair with this codec:
    /// the next number after it, as Chromium numbers them; nil for audio (browsers offer no
    /// RTX for audio).
    public var defaultRTXPayloadType: UInt8? {
        kind == .video ? defaultPayloadType + 1 : nil
    }

    /// The `a=fmtp` parameters we offer, nil for none.
    public var defaultFormatParameters: String? {
        switch self {
        case .opus: return "minptime=10;useinbandfec=1"
        case .vp9: return "profile-id=0"
        case .h264: return "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
        case .vp8, .av1, .pcmu, .pcma: return nil
        }
    }
}
