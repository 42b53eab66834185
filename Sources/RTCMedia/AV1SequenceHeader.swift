/// The parts of an AV1 sequence header OBU (AV1 bitstream spec §5.5) a container wants: the
/// maximum frame size, for the IVF header.
struct AV1SequenceHeader: Equatable {
    var maxWidth: Int
    var maxHeight: Int

    /// Parses the OBU payload of a sequence header; nil when it runs short.
    init?(_ payload: ArraySlice<UInt8>) {
        var r = MediaBitReader(Array(payload))
        guard r.read(3) != nil, r.read(1) != nil, let reduced = r.flag() else { return nil }
        if reduced {
            guard r.read(5) != nil else { return nil }
        } else {
            guard let timingInfo = r.flag() else { return nil }
            var decoderModel = false
            var bufferDelayLength = 0
            if timingInfo {
                guard r.read(32) != nil, r.read(32) != nil, let equal = r.flag() else { return nil }
                if equal { guard Self.skipUVLC(&r) else { return nil } }
                guard let dm = r.flag() else { return nil }
                decoderModel = dm
                if dm {
                    guard let bdl = r.read(5), r.read(32) != nil, r.read(10) != nil else { return nil }
                    bufferDelayLength = Int(bdl) + 1
                }
            }
            guard let initialDisplayDelay = r.flag(), let points = r.read(5) else { return nil }
            for _ in 0...points {
                guard r.read(12) != nil, let level = r.read(5) else { return nil }
                if level > 7 { guard r.read(1) != nil else { return nil } }
                if decoderModel {
                    guard let present = r.flag() else { return nil }
                    if present {
                        guard r.read(bufferDelayLength) != nil, r.read(bufferDelayLength) != nil, r.read(1) != nil
                        else { return nil }
                    }
                }
                if initialDisplayDelay {
                    guard let present = r.flag() else { return nil }
                    if present { guard r.read(4) != nil else { return nil } }
                }
            }
        }
        guard let wBits = r.read(4), let hBits = r.read(4), let w = r.read(Int(wBits) + 1),
            let h = r.read(Int(hBits) + 1)
        else { return nil }
        maxWidth = Int(w) + 1
        maxHeight = Int(h) + 1
    }

    /// uvlc() (§4.10.3).
    private static func skipUVLC(_ r: inout MediaBitReader) -> Bool {
        var zeros = 0
        while true {
            guard let b = r.read(1) else { return false }
            if b == 1 { break }
            zeros += 1
            if zeros >= 32 { return true }
        }
        return r.read(zeros) != nil
    }
}
