/// The 32-byte IVF file header (libvpx's IVF container, all fields little-endian):
///
///     0 "DKIF"  4 version (0)  6 header length (32)  8 fourcc  12 width  14 height
///     16 time base denominator  20 time base numerator  24 frame count  28 unused
///
/// Each frame follows as a 12-byte header (size u32, timestamp u64 in time-base units) and
/// its bytes.
public struct IVFHeader: Equatable, Sendable {
    /// Bytes in the file header.
    public static let length = 32
    /// Bytes in each frame's header (size, timestamp).
    public static let frameHeaderLength = 12

    /// "VP80", "VP90" or "AV01".
    public var fourcc: String
    /// Picture size in pixels.
    public var width: UInt16
    public var height: UInt16
    /// Frame timestamps count units of numerator/denominator seconds.
    public var timebaseDenominator: UInt32
    public var timebaseNumerator: UInt32
    /// Frames in the file (libvpx's writer fills it in; readers do not rely on it).
    public var frameCount: UInt32
    /// The header length the file declares (32, or more with padding we skip).
    public var headerLength: UInt16

    public init(
        fourcc: String, width: UInt16, height: UInt16, timebaseDenominator: UInt32 = 90_000,
        timebaseNumerator: UInt32 = 1, frameCount: UInt32 = 0
    ) {
        self.fourcc = fourcc
        self.width = width
        self.height = height
        self.timebaseDenominator = timebaseDenominator
        self.timebaseNumerator = timebaseNumerator
        self.frameCount = frameCount
        headerLength = UInt16(Self.length)
    }

    /// The fourcc of a codec IVF carries: VP80, VP90, AV01.
    public static func fourcc(for codec: MediaCodec) -> String? {
        switch codec {
        case .vp8: return "VP80"
        case .vp9: return "VP90"
        case .av1: return "AV01"
        default: return nil
        }
    }

    /// The codec of a fourcc, nil when IVF's fourcc is another one.
    public var codec: MediaCodec? {
        switch fourcc {
        case "VP80": return .vp8
        case "VP90": return .vp9
        case "AV01": return .av1
        default: return nil
        }
    }

    /// The 32-byte wire form.
    public func serialized() -> [UInt8] {
        var out = Array("DKIF".utf8)
        out += le16(0) + le16(UInt16(Self.length))
        out += Array(fourcc.utf8.prefix(4)) + [UInt8](repeating: 0x20, count: max(0, 4 - fourcc.utf8.count))
        out += le16(width) + le16(height)
        out += le32(timebaseDenominator) + le32(timebaseNumerator) + le32(frameCount) + le32(0)
        return out
    }

    /// Parses the first 32 bytes of a file.
    /// - Returns: nil when the signature or lengths are wrong.
    public init?(parsing b: [UInt8]) {
        guard b.count >= Self.length, b[0..<4].elementsEqual("DKIF".utf8) else { return nil }
        headerLength = readLE16(b, 6)
        guard headerLength >= UInt16(Self.length) else { return nil }
        fourcc = String(decoding: b[8..<12], as: UTF8.self)
        width = readLE16(b, 12)
        height = readLE16(b, 14)
        timebaseDenominator = readLE32(b, 16)
        timebaseNumerator = readLE32(b, 20)
        frameCount = readLE32(b, 24)
    }
}

func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
func readLE16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
func readLE32(_ b: [UInt8], _ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[i + $1]) << (8 * $1) } }
func readLE64(_ b: [UInt8], _ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[i + $1]) << (8 * UInt64($1)) } }
