/// H.264 NAL unit helpers (ITU-T H.264 §7.3.1, Annex B; RFC 6184 §1.3): types, the Annex B
/// byte stream's start codes, and the first_mb_in_slice test that finds access-unit starts.
enum H264NALUnit {
    static let nonIDRSlice: UInt8 = 1
    static let idrSlice: UInt8 = 5
    static let sei: UInt8 = 6
    static let sps: UInt8 = 7
    static let pps: UInt8 = 8
    static let accessUnitDelimiter: UInt8 = 9
    /// RFC 6184 §5.2 packet types.
    static let stapA: UInt8 = 24
    static let fuA: UInt8 = 28

    static let startCode: [UInt8] = [0, 0, 0, 1]

    static func type(_ header: UInt8) -> UInt8 { header & 0x1F }

    /// Slices of coded pictures (the VCL NAL units an access unit is counted by).
    static func isSlice(_ type: UInt8) -> Bool { type == nonIDRSlice || type == idrSlice }

    /// first_mb_in_slice == 0, i.e. the slice begins a picture: ue(v) 0 is a single 1 bit, the
    /// first bit after the NAL header (§7.3.3).
    static func beginsPicture(sliceHeaderByte: UInt8) -> Bool { sliceHeaderByte & 0x80 != 0 }

    /// The NAL units of an Annex B byte stream, without start codes or trailing zero bytes.
    static func split(annexB bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        var start: Int?
        var i = 0
        let n = bytes.count
        while i + 2 < n {
            if bytes[i + 2] > 1 {
                i += 3
            } else if bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1 {
                if let s = start { units.append(trimmed(bytes[s..<i])) }
                i += 3
                start = i
            } else {
                i += 1
            }
        }
        if let s = start, s < n { units.append(trimmed(bytes[s..<n])) }
        return units.filter { !$0.isEmpty }
    }

    private static func trimmed(_ unit: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var end = unit.endIndex
        while end > unit.startIndex && unit[end - 1] == 0 { end -= 1 }
        return unit[unit.startIndex..<end]
    }
}
