import RTCCore
import RTCRTP

/// Reassembles H.264 access units from RTP (RFC 6184, packetization-mode 0 and 1): single NAL
/// unit packets (§5.6), STAP-A (§5.7.1) and FU-A (§5.8), written out in Annex B with 4-byte
/// start codes. An access unit with an IDR slice is a keyframe; when it came without SPS and
/// PPS, the last ones seen are put in front so a decoder (or a file) can start there.
public struct H264Depacketizer: RTPDepacketizer {
    private var assembly = VideoFrameAssembly()
    private var parser = H264PayloadParser()

    public init() {}

    public mutating func push(_ packet: RTPPacket) -> [MediaFrame] { assembly.push(packet, parser: &parser) }
    public var needsKeyframe: Bool { assembly.needsKeyframe }
    public var droppedFrames: Int { assembly.droppedFrames }
}

struct H264PayloadParser: VideoPayloadParser {
    private var units: [[UInt8]] = []
    private var fragment: [UInt8]?
    private var lastSPS: [UInt8]?
    private var lastPPS: [UInt8]?

    func canStartFrame(_ payload: [UInt8]) -> Bool {
        guard let header = payload.first else { return false }
        switch H264NALUnit.type(header) {
        case H264NALUnit.fuA:
            guard payload.count > 2, payload[1] & 0x80 != 0 else { return false }
            return !H264NALUnit.isSlice(payload[1] & 0x1F) || H264NALUnit.beginsPicture(sliceHeaderByte: payload[2])
        case let t where H264NALUnit.isSlice(t):
            return payload.count > 1 && H264NALUnit.beginsPicture(sliceHeaderByte: payload[1])
        default:
            return true
        }
    }

    mutating func begin() {
        units.removeAll()
        fragment = nil
    }

    mutating func append(_ payload: [UInt8]) -> Bool {
        guard let header = payload.first, header & 0x80 == 0 else { return false }  // F bit: §5.3
        switch H264NALUnit.type(header) {
        case 1...23:
            guard fragment == nil else { return false }
            units.append(payload)
        case H264NALUnit.stapA:
            guard fragment == nil else { return false }
            var r = ByteReader(payload, offset: 1)
            while !r.isAtEnd {
                guard let size = r.readUInt16(), size > 0, let unit = r.readBytes(Int(size)) else { return false }
                units.append(unit)
            }
        case H264NALUnit.fuA:
            guard payload.count > 2 else { return false }
            let fu = payload[1]
            if fu & 0x80 != 0 {
                guard fragment == nil else { return false }
                fragment = [header & 0xE0 | fu & 0x1F]
            }
            guard fragment != nil else { return false }
            fragment! += payload[2...]
            if fu & 0x40 != 0 {
                units.append(fragment!)
                fragment = nil
            }
        default:
            // STAP-B, MTAPs and FU-B belong to interleaved mode (§5.4), which we never offer.
            return false
        }
        return true
    }

    mutating func finish() -> (data: [UInt8], isKeyframe: Bool)? {
        guard fragment == nil, !units.isEmpty else { return nil }
        var hasSPS = false
        var hasPPS = false
        var isKeyframe = false
        for u in units {
            switch H264NALUnit.type(u[0]) {
            case H264NALUnit.sps:
                hasSPS = true
                lastSPS = u
            case H264NALUnit.pps:
                hasPPS = true
                lastPPS = u
            case H264NALUnit.idrSlice: isKeyframe = true
            default: break
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(units.reduce(64) { $0 + $1.count + 4 })
        var missing = isKeyframe ? [hasSPS ? nil : lastSPS, hasPPS ? nil : lastPPS].compactMap { $0 } : []
        for u in units {
            if !missing.isEmpty && H264NALUnit.isSlice(H264NALUnit.type(u[0])) {
                // Parameter sets go before the first slice (after any AUD and SEI), §7.4.1.2.3.
                for m in missing { out += H264NALUnit.startCode + m }
                missing = []
            }
            out += H264NALUnit.startCode + u
        }
        return (out, isKeyframe)
    }
}
