import Testing
import RTCTransfer

/// The path-name guard of `rtc listen`: every announced name either lands directly inside the
/// output directory or is refused at its header. One row per hostile shape, with its verdict.
@Suite struct TransferNameTests {
    struct Row: CustomTestStringConvertible, Sendable {
        let name: String
        /// nil: accepted as a flat file name.
        let verdict: TransferNameProblem?
        let why: String
        var testDescription: String { why }
    }

    static let table: [Row] = [
        // Directory references and traversal.
        Row(name: "", verdict: .empty, why: "empty"),
        Row(name: ".", verdict: .directoryReference("."), why: "the directory itself"),
        Row(name: "..", verdict: .directoryReference(".."), why: "the parent"),
        Row(name: "../x", verdict: .pathSeparator, why: "parent traversal"),
        Row(name: "/etc/passwd", verdict: .pathSeparator, why: "absolute path"),
        Row(name: "a/../../b", verdict: .pathSeparator, why: "traversal in the middle"),
        Row(name: "a/", verdict: .pathSeparator, why: "trailing slash"),
        Row(name: "dir/file", verdict: .pathSeparator, why: "subdirectory"),
        Row(name: "//", verdict: .pathSeparator, why: "slashes only"),
        // Windows separators: harmless on Linux, but a receiver on Windows would split them.
        Row(name: "..\\..\\boot.ini", verdict: .pathSeparator, why: "Windows traversal"),
        Row(name: "C:\\Windows\\x", verdict: .pathSeparator, why: "Windows absolute path"),
        Row(name: "a\\b", verdict: .pathSeparator, why: "backslash"),
        // Control characters: NUL cuts C strings, newlines forge log and summary lines, ESC/CSI
        // drive terminals.
        Row(name: "a\u{0}b", verdict: .controlCharacters, why: "NUL inside"),
        Row(name: "\u{0}", verdict: .controlCharacters, why: "NUL alone"),
        Row(name: "ok.txt\u{0}.part", verdict: .controlCharacters, why: "NUL before .part"),
        Row(name: "line\nbreak", verdict: .controlCharacters, why: "LF"),
        Row(name: "cr\rname", verdict: .controlCharacters, why: "CR"),
        Row(name: "tab\there", verdict: .controlCharacters, why: "TAB"),
        Row(name: "\u{1B}[31mred", verdict: .controlCharacters, why: "ESC sequence"),
        Row(name: "del\u{7F}", verdict: .controlCharacters, why: "DEL"),
        Row(name: "csi\u{9B}31m", verdict: .controlCharacters, why: "C1 CSI"),
        Row(name: "nel\u{85}", verdict: .controlCharacters, why: "C1 NEL"),
        // Length: NAME_MAX is 255 bytes, counted in UTF-8, not in characters.
        Row(name: String(repeating: "a", count: 255), verdict: nil, why: "255 bytes"),
        Row(name: String(repeating: "a", count: 256), verdict: .tooLong, why: "256 bytes"),
        Row(name: String(repeating: "é", count: 128), verdict: .tooLong, why: "128 two-byte characters"),
        Row(name: String(repeating: "a", count: 100_000), verdict: .tooLong, why: "100,000 bytes"),
        // Our own temporary suffix: a sender must not name another transfer's .part.
        Row(name: "x.part", verdict: .partSuffix, why: ".part suffix"),
        Row(name: ".part", verdict: .partSuffix, why: ".part alone"),
        Row(name: "movie.mkv.part", verdict: .partSuffix, why: "another file's .part"),
        Row(name: "x.part.bin", verdict: nil, why: ".part not at the end"),
        Row(name: "x.PART", verdict: nil, why: "other case (Linux names are case-sensitive)"),
        // Flat names that look odd but stay inside the directory.
        Row(name: "...", verdict: nil, why: "three dots is a plain name"),
        Row(name: ".hidden", verdict: nil, why: "dot file"),
        Row(name: " ", verdict: nil, why: "a space"),
        Row(name: "-rf", verdict: nil, why: "leading dash"),
        Row(name: "a b (1).txt", verdict: nil, why: "spaces and parentheses"),
        // Unicode lookalikes: the kernel splits only on "/", so these are single names.
        Row(name: "\u{2215}etc\u{2215}passwd", verdict: nil, why: "DIVISION SLASH lookalike"),
        Row(name: "\u{FF0F}etc\u{FF0F}passwd", verdict: nil, why: "FULLWIDTH SOLIDUS lookalike"),
        Row(name: "\u{2025}", verdict: nil, why: "TWO DOT LEADER lookalike of .."),
        Row(name: "\u{FF0E}\u{FF0E}", verdict: nil, why: "FULLWIDTH FULL STOPs"),
        Row(name: "\u{FE68}x", verdict: nil, why: "SMALL REVERSE SOLIDUS lookalike"),
        Row(name: "e\u{301}t\u{E9}.txt", verdict: nil, why: "combining and precomposed accents"),
        Row(name: "x.p\u{430}rt", verdict: nil, why: "Cyrillic a in .part is another name"),
        Row(name: "\u{1F4C4} notes", verdict: nil, why: "emoji"),
    ]

    @Test(arguments: table)
    func verdict(_ row: Row) {
        #expect(TransferProtocol.nameProblem(row.name) == row.verdict, "\(row.name.debugDescription)")
    }

    /// Every accepted name is one path component: joined to a directory, it names a direct child.
    @Test func acceptedNamesAreSinglePathComponents() {
        for row in Self.table where row.verdict == nil {
            let path = "/out/" + row.name
            #expect(path.split(separator: "/", omittingEmptySubsequences: false).count == 3, "\(row.name.debugDescription)")
            #expect(!row.name.utf8.contains(0))
        }
    }

    @Test func refusalsReadAsOneLine() {
        for row in Self.table {
            guard let problem = row.verdict else { continue }
            #expect(!problem.description.isEmpty && !problem.description.contains("\n"))
        }
        #expect(TransferNameProblem.directoryReference("..").description == "file name '..' is a directory reference")
    }
}
