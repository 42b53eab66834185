/// Splits H.264 access units (Annex B) into RTP payloads, packetization-mode 1 (RFC 6184):
/// NAL units that fit go alone (§5.6) or, when several small ones are adjacent (SPS, PPS, SEI),
/// together in a STAP-A (§5.7.1); larger ones in FU-A fragments (§5.8). Access unit delimiters
/// are dropped: the RTP timestamp already marks access units (§5.1).
public struct H264Packetizer: RTPPacketizer {
    public let maxPayloadSize: Int

    public init(maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize) { self.maxPayloadSize = maxPayloadSize }

    public mutating func payloads(for frame: MediaFrame) -> [[UInt8]] {
        let units = H264NALUnit.split(annexB: frame.data).filter {
            H264NALUnit.type($0.first!) != H264NALUnit.accessUnitDelimiter
        }
        var out: [[UInt8]] = []
        var pending: [ArraySlice<UInt8>] = []
        var pendingSize = 1  // STAP-A NAL header
        func flush() {
            if pending.count == 1 {
                out.append(Array(pending[0]))
            } else if pending.count > 1 {
                out.append(Self.stapA(pending))
            }
            pending.removeAll()
            pendingSize = 1
        }
        for unit in units {
            if unit.count > maxPayloadSize {
                flush()
                out += fragments(unit)
                continue
            }
            if pendingSize + 2 + unit.count > maxPayloadSize { flush() }
            pending.append(unit)
            pendingSize += 2 + unit.count
        }
        flush()
        return out
    }

    /// STAP-A: header with the highest NRI and any F bit of the units (§5.7.1), then each
    /// unit behind its 16-bit size.
    static func stapA(_ units: [ArraySlice<UInt8>]) -> [UInt8] {
        let f = units.reduce(0) { $0 | $1.first! & 0x80 }
        let nri = units.map { $0.first! & 0x60 }.max() ?? 0
        var out: [UInt8] = [f | nri | H264NALUnit.stapA]
        for u in units {
            out += [UInt8(u.count >> 8), UInt8(u.count & 0xFF)]
            out += u
        }
        return out
    }

    /// FU-A: indicator (F, NRI, type 28), header (S, E, R=0, the unit's type), then a slice of
    /// the unit after its NAL header (§5.8).
    private func fragments(_ unit: ArraySlice<UInt8>) -> [[UInt8]] {
        let header = unit.first!
        let body = unit.dropFirst()
        let indicator = header & 0xE0 | H264NALUnit.fuA
        var out: [[UInt8]] = []
        var offset = body.startIndex
        let sizes = balancedChunks(total: body.count, capacity: max(1, maxPayloadSize - 2))
        for (i, size) in sizes.enumerated() {
            var fu = header & 0x1F
            if i == 0 { fu |= 0x80 }
            if i == sizes.count - 1 { fu |= 0x40 }
            out.append([indicator, fu] + body[offset..<offset + size])
            offset += size
        }
        return out
    }
}
