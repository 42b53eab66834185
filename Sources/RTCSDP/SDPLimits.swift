/// Caps on a session description taken from outside, so hostile input costs bounded memory and
/// time. Exceeding one is a parse error naming the limit (exit status 65 in the CLI).
///
/// The defaults sit far above what browsers send (Chrome with 64 tracks: under 100 KB, about
/// 6,000 lines) and `rtc sdp-parse --max-size/--max-lines` raises them for bigger files.
public struct SDPLimits: Sendable, Equatable {
    /// Bytes of SDP text.
    public var maxBytes: Int
    /// Lines of SDP text.
    public var maxLines: Int
    /// `m=` sections.
    public var maxMediaSections: Int
    /// `a=candidate` lines in the whole description.
    public var maxCandidates: Int

    public init(maxBytes: Int = 1 << 20, maxLines: Int = 20_000, maxMediaSections: Int = 64,
                maxCandidates: Int = 1_000) {
        self.maxBytes = maxBytes
        self.maxLines = maxLines
        self.maxMediaSections = maxMediaSections
        self.maxCandidates = maxCandidates
    }

    /// 1 MiB, 20,000 lines, 64 media sections, 1,000 candidates.
    public static let standard = SDPLimits()
}
