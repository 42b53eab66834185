/// Splits AV1 temporal units (low-overhead OBU stream, as IVF stores them) into RTP payloads
/// (AV1 RTP payload spec §4.4-§5): temporal delimiters, tile lists and padding are dropped, OBUs
/// lose their size field, and they are packed in order behind an aggregation header; an OBU
/// that does not fit is fragmented (Y on this packet, Z on the next). W counts the elements
/// when there are at most 3 (the last then goes without a length); N marks a key frame's first
/// packet (a new coded video sequence).
public struct AV1Packetizer: RTPPacketizer {
    public let maxPayloadSize: Int

    public init(maxPayloadSize: Int = MediaCodec.defaultMaxPayloadSize) { self.maxPayloadSize = max(4, maxPayloadSize) }

    public mutating func payloads(for frame: MediaFrame) -> [[UInt8]] {
        guard let obus = AV1OBU.parseStream(frame.data) else { return [] }
        let elements = obus.filter {
            $0.type != AV1OBU.temporalDelimiter && $0.type != AV1OBU.tileList && $0.type != AV1OBU.padding
        }.map(\.rtpElementBytes)
        var packets: [[UInt8]] = []
        var current: [ArraySlice<UInt8>] = []
        var size = 1  // aggregation header
        var continues = false  // Z of the packet being filled
        func flush(endsInFragment: Bool) {
            guard !current.isEmpty else { return }
            let w = current.count <= 3 ? current.count : 0
            var agg = UInt8(w) << 4
            if continues { agg |= 0x80 }
            if endsInFragment { agg |= 0x40 }
            if packets.isEmpty && frame.isKeyframe { agg |= 0x08 }
            var p: [UInt8] = [agg]
            for (i, e) in current.enumerated() {
                if w == 0 || i < w - 1 { AV1OBU.appendLEB128(UInt64(e.count), to: &p) }
                p += e
            }
            packets.append(p)
            current.removeAll()
            size = 1
            continues = endsInFragment
        }
        for element in elements {
            var rest = element[...]
            while !rest.isEmpty {
                let space = maxPayloadSize - size
                let need = AV1OBU.lengthOfLEB128(rest.count) + rest.count
                if need <= space {
                    current.append(rest)
                    size += need
                    rest = rest.suffix(0)
                } else if space >= 3 {
                    // Fill the packet with a fragment; its length field shrinks with it.
                    var take = space - AV1OBU.lengthOfLEB128(space)
                    while AV1OBU.lengthOfLEB128(take) + take > space { take -= 1 }
                    current.append(rest.prefix(take))
                    rest = rest.dropFirst(take)
                    flush(endsInFragment: true)
                } else {
                    flush(endsInFragment: false)
                }
            }
        }
        flush(endsInFragment: false)
        return packets
    }
}
