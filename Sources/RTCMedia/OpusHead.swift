/// The Ogg Opus identification header (RFC 7845 §5.1), channel mapping family 0 (mono or
/// stereo), all integers little-endian:
///
///     "OpusHead"  version 1  channels  pre-skip (u16)  input sample rate (u32)
///     output gain (i16)  mapping family 0
struct OpusHead: Equatable {
    var channels: UInt8
    /// Samples at 48 kHz the decoder discards at the start (the encoder's lookahead).
    var preSkip: UInt16
    var inputSampleRate: UInt32
    var outputGain: Int16
    var mappingFamily: UInt8

    init(channels: UInt8, preSkip: UInt16 = 312, inputSampleRate: UInt32 = 48_000) {
        self.channels = channels
        self.preSkip = preSkip
        self.inputSampleRate = inputSampleRate
        outputGain = 0
        mappingFamily = 0
    }

    static let magic = Array("OpusHead".utf8)

    func serialized() -> [UInt8] {
        Self.magic + [1, channels] + le16(preSkip) + le32(inputSampleRate) + le16(UInt16(bitPattern: outputGain))
            + [mappingFamily]
    }

    /// Parses the header packet; nil when the magic, version (major 0, §5.1) or length is wrong.
    init?(parsing p: [UInt8]) {
        guard p.count >= 19, p[0..<8].elementsEqual(Self.magic), p[8] >> 4 == 0, p[9] > 0 else { return nil }
        channels = p[9]
        preSkip = readLE16(p, 10)
        inputSampleRate = readLE32(p, 12)
        outputGain = Int16(bitPattern: readLE16(p, 16))
        mappingFamily = p[18]
    }

    /// The comment header (§5.2): vendor string and no user comments.
    static func tags(vendor: String) -> [UInt8] {
        let v = Array(vendor.utf8)
        return Array("OpusTags".utf8) + le32(UInt32(v.count)) + v + le32(0)
    }
}
