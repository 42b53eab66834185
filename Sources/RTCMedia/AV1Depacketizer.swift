import RTCRTP

/// Reassembles AV1 temporal units from RTP (AV1 RTP payload spec §4.4): each payload is an
/// aggregation header and OBU elements, the last W-1 (or all, W=0) with LEB128 lengths; Z and Y
/// mark an OBU fragment continued from or into the neighbour packet. Output is the low-overhead
/// bitstream (§5.2 of the AV1 spec) IVF stores: a temporal delimiter, then each OBU with
/// obu_has_size_field set. Keyframe: the N bit (a new coded video sequence) of the first packet.
///
///      0 1 2 3 4 5 6 7
///     |Z|Y| W |N|-|-|-|
public struct AV1Depacketizer: RTPDepacketizer {
    private var assembly = VideoFrameAssembly()
    private var parser = AV1PayloadParser()

    public init() {}

    public mutating func push(_ packet: RTPPacket) -> [MediaFrame] { assembly.push(packet, parser: &parser) }
    public var needsKeyframe: Bool { assembly.needsKeyframe }
    public var droppedFrames: Int { assembly.droppedFrames }
}

struct AV1PayloadParser: VideoPayloadParser {
    private var elements: [[UInt8]] = []
    private var fragment: [UInt8]?
    private var startsSequence = false
    private var isFirstPacket = true

    func canStartFrame(_ payload: [UInt8]) -> Bool {
        guard let agg = payload.first else { return false }
        return agg & 0x80 == 0
    }

    mutating func begin() {
        elements.removeAll()
        fragment = nil
        startsSequence = false
        isFirstPacket = true
    }

    mutating func append(_ payload: [UInt8]) -> Bool {
        guard let agg = payload.first else { return false }
        let z = agg & 0x80 != 0
        let y = agg & 0x40 != 0
        let w = Int(agg >> 4 & 0x03)
        if isFirstPacket { startsSequence = agg & 0x08 != 0 }
        isFirstPacket = false
        guard z == (fragment != nil) else { return false }
        var i = 1
        var index = 0
        while i < payload.count {
            index += 1
            let length: Int
            if w != 0 && index == w {
                length = payload.count - i
            } else {
                guard let (l, n) = AV1OBU.readLEB128(payload, at: i, end: payload.count),
                    l <= UInt64(payload.count - i - n)
                else { return false }
                i += n
                length = Int(l)
            }
            var element = index == 1 && z ? fragment! : []
            element += payload[i..<i + length]
            i += length
            fragment = nil
            let isLast = i >= payload.count
            if isLast && y {
                fragment = element
            } else if !element.isEmpty {
                elements.append(element)
            }
            if w != 0 && index == w { break }
        }
        guard i == payload.count else { return false }
        // An aggregation with Y set must end in an element to continue.
        if y && fragment == nil { return false }
        return true
    }

    mutating func finish() -> (data: [UInt8], isKeyframe: Bool)? {
        guard fragment == nil, !elements.isEmpty else { return nil }
        var obus: [AV1OBU] = []
        for e in elements {
            guard let (obu, _) = AV1OBU.parse(e, at: 0, end: e.count) else { return nil }
            // Temporal delimiters and tile lists are not sent (RTP spec §5); one is written below.
            if obu.type == AV1OBU.temporalDelimiter || obu.type == AV1OBU.tileList { continue }
            obus.append(obu)
        }
        guard !obus.isEmpty else { return nil }
        var out = AV1OBU.temporalDelimiterBytes
        for obu in obus { out += obu.lowOverheadBytes }
        // A sender that leaves N unset still starts a sequence with a sequence header and a key frame.
        let hasSequenceHeader = obus.contains { $0.type == AV1OBU.sequenceHeader }
        return (out, startsSequence || (hasSequenceHeader && AV1OBU.isKeyframe(obus)))
    }
}
