/// Reads an Opus packet's TOC byte (RFC 6716 §3.1): frame size by configuration, frame count
/// by code (§3.2), giving the packet's duration in 48 kHz samples.
enum OpusPacket {
    /// Samples at 48 kHz per frame for each of the 32 configurations (Table 2).
    static func samplesPerFrame(config: UInt8) -> Int {
        switch config {
        case 0...11: return [480, 960, 1920, 2880][Int(config % 4)]  // SILK 10/20/40/60 ms
        case 12...15: return [480, 960][Int(config % 2)]  // Hybrid 10/20 ms
        default: return [120, 240, 480, 960][Int(config % 4)]  // CELT 2.5/5/10/20 ms
        }
    }

    /// The packet's duration in 48 kHz samples; nil when the packet is empty, a code-3 packet
    /// lacks its count byte, or the total exceeds 120 ms (§3.4, R5).
    static func duration(_ packet: [UInt8]) -> Int? {
        guard let toc = packet.first else { return nil }
        let frames: Int
        switch toc & 0x03 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard packet.count > 1 else { return nil }
            frames = Int(packet[1] & 0x3F)
        }
        let total = frames * samplesPerFrame(config: toc >> 3)
        guard frames > 0, total <= 5760 else { return nil }
        return total
    }

    /// A one-byte packet (TOC only, code 0, an empty frame) of 20 ms in the same mode and
    /// bandwidth as `toc`: decoders conceal it, so it fills a gap (DTX or loss) with the right
    /// length (RFC 6716 §3.2.1: a 0-length frame means "lost"; RFC 7845 §4.1 on gaps).
    static func gapFiller(likeTOC toc: UInt8) -> [UInt8] {
        let config = toc >> 3
        let twentyMs: UInt8
        switch config {
        case 0...11: twentyMs = config & ~3 | 1
        case 12...15: twentyMs = config & ~1 | 1
        default: twentyMs = config & ~3 | 3
        }
        return [twentyMs << 3 | toc & 0x04]
    }
}
