/// Splits H.264 access units (Annex B) into RTP payloads, packetization-mode 1 (RFC 6184):
/// NAL units that fit go alone (§5.6) or, when several small ones are adjacent (SPS, PPS, SEI),
/// together in a STAP-A (§5.7.1); larger ones in FU-A fragments (§5.8). Access unit delimiters
/// are dropped: the RTP timestamp already marks access units (§5.1). An IDR access unit without
/// SPS and PPS gets the last ones seen, so a receiver can start at any key frame (a looped file,
/// a restart after a PLI).
public struct H264Packetizer: RTPPacketizer {
    public let maxPayloadSize: Int
    private var lastSPS: ArraySlice<UInt8>?
    private var lastPPS: ArraySlice<UInt8>?

    public init(maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize) { self.maxPayloadSize = maxPayloadSize }

    public mutating func payloads(for frame: MediaFrame) -> [[UInt8]] {
        let units = withParameterSets(
            H264NALUnit.split(annexB: frame.data).filter {
                H264NALUnit.type($0.first!) != H264NALUnit.accessUnitDelimiter
            })
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

    /// The units with the cached SPS/PPS put before the first IDR slice when the unit has none.
    private mutating func withParameterSets(_ units: [ArraySlice<UInt8>]) -> [ArraySlice<UInt8>] {
        let types = units.map { H264NALUnit.type($0.first!) }
        if let i = types.lastIndex(of: H264NALUnit.sps) { lastSPS = units[i] }
        if let i = types.lastIndex(of: H264NALUnit.pps) { lastPPS = units[i] }
        guard let idr = types.firstIndex(of: H264NALUnit.idrSlice) else { return units }
        var missing: [ArraySlice<UInt8>] = []
        if !types.contains(H264NALUnit.sps), let sps = lastSPS { missing.append(sps) }
        if !types.contains(H264NALUnit.pps), let pps = lastPPS { missing.append(pps) }
        guard !missing.isEmpty else { return units }
        var out = units
        out.insert(contentsOf: missing, at: idr)
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
