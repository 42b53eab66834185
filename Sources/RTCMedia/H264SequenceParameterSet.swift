/// The parts of an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1, VUI in Annex E.1.1)
/// a raw Annex B file lacks elsewhere: the frame rate, from the VUI timing info.
struct H264SequenceParameterSet: Equatable {
    /// num_units_in_tick and time_scale (E.2.1): a frame lasts 2 × num_units_in_tick / time_scale
    /// seconds (two fields per frame); nil when the VUI has no timing.
    var numUnitsInTick: UInt32?
    var timeScale: UInt32?

    /// Frames per second from the timing info, when present and sane.
    var frameRate: Double? {
        guard let n = numUnitsInTick, let t = timeScale, n > 0, t > 0 else { return nil }
        return Double(t) / (2 * Double(n))
    }

    /// Parses a SPS NAL unit (header byte included); nil when it runs short or is no SPS.
    init?(_ unit: [UInt8]) {
        guard unit.count > 4, H264NALUnit.type(unit[0]) == H264NALUnit.sps else { return nil }
        var r = MediaBitReader(Self.rbsp(unit.dropFirst()))
        guard let profile = r.read(8), r.read(16) != nil, r.readUE() != nil else { return nil }
        if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(profile) {
            guard let chroma = r.readUE() else { return nil }
            if chroma == 3 { guard r.read(1) != nil else { return nil } }
            guard r.readUE() != nil, r.readUE() != nil, r.read(1) != nil, let scaling = r.flag() else { return nil }
            if scaling {
                for i in 0..<(chroma != 3 ? 8 : 12) {
                    guard let present = r.flag() else { return nil }
                    if present { guard Self.skipScalingList(&r, size: i < 6 ? 16 : 64) else { return nil } }
                }
            }
        }
        guard r.readUE() != nil, let pocType = r.readUE() else { return nil }
        if pocType == 0 {
            guard r.readUE() != nil else { return nil }
        } else if pocType == 1 {
            guard r.read(1) != nil, r.readUE() != nil, r.readUE() != nil, let cycle = r.readUE(), cycle < 256 else {
                return nil
            }
            for _ in 0..<cycle { guard r.readUE() != nil else { return nil } }
        }
        guard r.readUE() != nil, r.read(1) != nil, r.readUE() != nil, r.readUE() != nil, let frameMbsOnly = r.flag()
        else { return nil }
        if !frameMbsOnly { guard r.read(1) != nil else { return nil } }
        guard r.read(1) != nil, let cropping = r.flag() else { return nil }
        if cropping {
            for _ in 0..<4 { guard r.readUE() != nil else { return nil } }
        }
        guard let vui = r.flag() else { return nil }
        guard vui else { return }
        // E.1.1, up to timing_info.
        guard let aspect = r.flag() else { return nil }
        if aspect {
            guard let idc = r.read(8) else { return nil }
            if idc == 255 { guard r.read(32) != nil else { return nil } }
        }
        guard let overscan = r.flag() else { return nil }
        if overscan { guard r.read(1) != nil else { return nil } }
        guard let signal = r.flag() else { return nil }
        if signal {
            guard r.read(4) != nil, let colour = r.flag() else { return nil }
            if colour { guard r.read(24) != nil else { return nil } }
        }
        guard let chromaLoc = r.flag() else { return nil }
        if chromaLoc { guard r.readUE() != nil, r.readUE() != nil else { return nil } }
        guard let timing = r.flag() else { return nil }
        if timing {
            guard let n = r.read(32), let t = r.read(32) else { return nil }
            numUnitsInTick = n
            timeScale = t
        }
    }

    /// The RBSP: the NAL payload without emulation prevention bytes (00 00 03 → 00 00, §7.4.1).
    static func rbsp(_ payload: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count)
        var zeros = 0
        for b in payload {
            if zeros >= 2 && b == 3 {
                zeros = 0
                continue
            }
            zeros = b == 0 ? zeros + 1 : 0
            out.append(b)
        }
        return out
    }

    /// scaling_list() (§7.3.2.1.1.1): delta_scale se(v) until next_scale is 0.
    private static func skipScalingList(_ r: inout MediaBitReader, size: Int) -> Bool {
        var last = 8
        var next = 8
        for _ in 0..<size where next != 0 {
            guard let code = r.readUE() else { return false }
            // se(v) from ue(v): k → (-1)^(k+1) ⌈k/2⌉
            let delta = code % 2 == 1 ? Int(code / 2 + 1) : -Int(code / 2)
            next = (last + delta + 256) % 256
            last = next == 0 ? last : next
        }
        return true
    }
}
