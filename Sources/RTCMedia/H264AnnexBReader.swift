/// Reads an H.264 Annex B byte stream (ITU-T H.264 Annex B) as access units, read on demand:
/// NAL units are split at start codes, and a new access unit begins (§7.4.1.2.3) at an access
/// unit delimiter, at an SPS/PPS/SEI after the unit's first slice, or at a slice with
/// first_mb_in_slice 0 when the unit already has one (one picture per unit; arbitrary slice
/// order is not handled). The stream has no timestamps: frames are spaced by the SPS's VUI
/// timing (Annex E.2.1) when it has one, else by `frameRate`.
public final class H264AnnexBReader: MediaFileReader {
    public var codec: MediaCodec { .h264 }
    public var path: String { file.path }
    /// Frames per second assumed when no SPS gives the timing.
    public let frameRate: Int
    /// The frame duration in 90 kHz ticks: from the SPS timing once one is seen.
    private var tick: UInt32
    private var timestamp: UInt32 = 0
    private let file: MediaFileInput
    private var buffer: [UInt8] = []
    private var scan = 0
    private var unitStart: Int?
    private var atEOF = false
    private var lookahead: [UInt8]?

    /// The longest NAL unit accepted before the stream is taken as corrupt.
    static let maxNALUnitSize = 64 << 20

    /// - Parameter frameRate: frames per second to pace by (Annex B carries no timestamps).
    /// - Throws: `MediaFileError.cannotOpen`.
    public init(path: String, frameRate: Int = 30) throws(MediaFileError) {
        file = try MediaFileInput(path: path)
        self.frameRate = max(1, min(frameRate, 1000))
        tick = UInt32(90_000 / self.frameRate)
    }

    public func nextFrame() throws(MediaFileError) -> MediaFrame? {
        var units: [[UInt8]] = []
        var hasSlice = false
        var isKeyframe = false
        while true {
            let next: [UInt8]?
            if let l = lookahead {
                next = l
                lookahead = nil
            } else {
                next = try nextNALUnit()
            }
            guard let unit = next else { break }
            let type = H264NALUnit.type(unit[0])
            let startsUnit: Bool
            switch type {
            case H264NALUnit.accessUnitDelimiter:
                startsUnit = true
            case H264NALUnit.sei, H264NALUnit.sps, H264NALUnit.pps, 14...18:
                startsUnit = hasSlice
            case H264NALUnit.nonIDRSlice, H264NALUnit.idrSlice:
                startsUnit = hasSlice && unit.count > 1 && H264NALUnit.beginsPicture(sliceHeaderByte: unit[1])
            default:
                startsUnit = false
            }
            if startsUnit && !units.isEmpty {
                lookahead = unit
                break
            }
            if H264NALUnit.isSlice(type) { hasSlice = true }
            if type == H264NALUnit.sps, let fps = H264SequenceParameterSet(unit)?.frameRate, fps >= 1, fps <= 1000 {
                tick = UInt32((90_000 / fps).rounded())
            }
            if type == H264NALUnit.idrSlice { isKeyframe = true }
            units.append(unit)
        }
        guard !units.isEmpty else { return nil }
        defer { timestamp &+= tick }
        return MediaFrame(
            data: units.flatMap { H264NALUnit.startCode + $0 }, rtpTimestamp: timestamp, isKeyframe: isKeyframe,
            duration: tick)
    }

    public func rewind() throws(MediaFileError) {
        try file.rewind()
        buffer = []
        scan = 0
        unitStart = nil
        atEOF = false
        lookahead = nil
        timestamp = 0
        tick = UInt32(90_000 / frameRate)
    }

    /// The next NAL unit without its start code and trailing zero bytes, nil at end of file.
    private func nextNALUnit() throws(MediaFileError) -> [UInt8]? {
        while true {
            if let sc = findStartCode() {
                let start = unitStart
                unitStart = sc + 3
                scan = sc + 3
                if let s = start {
                    let unit = trimmed(s, sc)
                    compact()
                    if !unit.isEmpty { return unit }
                }
                continue
            }
            if atEOF {
                guard let s = unitStart, s < buffer.count else { return nil }
                let unit = trimmed(s, buffer.count)
                unitStart = buffer.count
                if !unit.isEmpty { return unit }
                return nil
            }
            let chunk = try file.readSome(64 * 1024)
            if chunk.isEmpty {
                atEOF = true
            } else {
                buffer += chunk
                if buffer.count - (unitStart ?? 0) > Self.maxNALUnitSize {
                    throw .malformed(path: path, reason: "no start code within \(Self.maxNALUnitSize) bytes")
                }
            }
        }
    }

    private func findStartCode() -> Int? {
        var i = scan
        while i + 2 < buffer.count {
            if buffer[i + 2] > 1 {
                i += 3
            } else if buffer[i] == 0 && buffer[i + 1] == 0 && buffer[i + 2] == 1 {
                return i
            } else {
                i += 1
            }
        }
        // Resume two bytes back: a start code may straddle the next read.
        scan = max(scan, buffer.count - 2)
        return nil
    }

    private func trimmed(_ start: Int, _ end: Int) -> [UInt8] {
        var e = end
        while e > start && buffer[e - 1] == 0 { e -= 1 }
        return Array(buffer[start..<e])
    }

    /// Drops consumed bytes once they add up, keeping memory to about one NAL unit.
    private func compact() {
        guard let s = unitStart, s > 256 * 1024 else { return }
        buffer.removeFirst(s)
        scan -= s
        unitStart = 0
    }
}
