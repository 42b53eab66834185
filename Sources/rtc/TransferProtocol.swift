import ArgumentParser
import RTC
#if canImport(Glibc)
import Glibc
#endif

/// The `rtc send` / `rtc listen` wire protocol, version 1 (subprotocol `rtc-transfer/1`).
///
/// One reliable, ordered data channel per file, labelled with the file name:
///   1. sender → text `{"type":"header","name":"a.bin","size":N}` (`size` -1 for a stream);
///   2. sender → binary chunks of at most 65,535 bytes (`pieceSize`, smaller when the
///      receiver's `a=max-message-size` is);
///   3. sender → text `{"type":"end","bytes":N,"sha256":"<hex>"}`;
///   4. receiver → text `{"type":"verdict","ok":true|false,"bytes":N,"sha256":"<hex>"[,"error":"..."]}`;
///   5. the sender closes the channel; after the last verdict it closes the connection.
/// A receiver may answer a header with a negative verdict at once (e.g. a refused name, a name
/// already announced in this session, an existing file).
enum TransferProtocol {
    static let subprotocol = "rtc-transfer/1"
    /// One byte under 64 KiB: pion/webrtc v3 reads each message into a 65,535-byte buffer
    /// (`dataChannelBufferSize = math.MaxUint16`) and closes the channel on a longer one,
    /// although its SDP implies 65,536 (RFC 8841 §6 default).
    static let chunkSize = 65_535

    /// The binary piece size for a peer whose send limit is `limit` (nil: not known yet).
    static func pieceSize(limit: Int?) -> Int {
        min(chunkSize, max(1, limit ?? chunkSize))
    }

    /// A JSON object as one line, keys sorted.
    static func encode(_ object: [String: JSONValue]) -> String {
        JSONValue.object(object).jsonText
    }

    static func decode(_ text: String) -> [String: JSONValue]? {
        JSONValue.parseObject(text)
    }

    /// Why an announced name cannot be written, or nil when it is a safe single file name.
    ///
    /// Names are flat: no `/` or `\`, not `.` or `..`, no control characters or NUL, at most
    /// 255 bytes, and not ending in `.part` (our own temporary suffix). So a file can only ever
    /// land directly inside the output directory.
    static func nameProblem(_ name: String) -> String? {
        if name.isEmpty { return "empty file name" }
        if name.utf8.count > 255 { return "file name longer than 255 bytes" }
        if name == "." || name == ".." { return "file name '\(name)' is a directory reference" }
        if name.utf8.contains(UInt8(ascii: "/")) || name.utf8.contains(UInt8(ascii: "\\")) { return "file name contains a path separator" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "file name contains control characters"
        }
        if name.hasSuffix(".part") { return "file name ends in .part" }
        return nil
    }

    /// A one-line summary of a finished (or failed) file, as printed on stdout. `announced` is the
    /// sender's name when the file was written under another (`rtc listen --rename`).
    static func summary(name: String, path: String?, bytes: Int, seconds: Double, sha256: String,
                        verified: Bool, error: String?, session: Int? = nil, announced: String? = nil) -> String {
        var o: [String: JSONValue] = [
            "type": "file", "name": .string(name), "bytes": .int(bytes),
            "seconds": .double((seconds * 1000).rounded() / 1000),
            "mb_per_s": .double(seconds > 0 ? (Double(bytes) / 1e6 / seconds * 100).rounded() / 100 : 0),
            "sha256": .string(sha256), "verified": .bool(verified),
        ]
        if let path { o["path"] = .string(path) }
        if let error { o["error"] = .string(error) }
        if let session { o["session"] = .int(session) }
        if let announced { o["announced"] = .string(announced) }
        return encode(o)
    }
}

/// A progress bar on stderr: name, percent, bytes, rate and ETA, redrawn at most 5 times a second.
final class ProgressBar {
    let enabled: Bool
    private var lastDraw = 0.0

    init(enabled: Bool) { self.enabled = enabled }

    static func now() -> Double { Double(monotonicNanoseconds()) / 1e9 }

    func update(name: String, bytes: Int, total: Int?, started: Double, force: Bool = false) {
        guard enabled else { return }
        let t = Self.now()
        guard force || t - lastDraw >= 0.2 else { return }
        lastDraw = t
        let elapsed = max(t - started, 0.001)
        let rate = Double(bytes) / elapsed
        var line = "\r\u{1B}[2K" + (name.count > 24 ? String(name.prefix(23)) + "…" : name)
        if let total, total > 0 {
            let fraction = min(1, Double(bytes) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            line += " [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
            line += formatted(" %3d%% ", Int(fraction * 100)) + Self.size(bytes) + "/" + Self.size(total)
            let eta = rate > 0 ? Double(total - bytes) / rate : 0
            line += formatted(" %.1f MB/s ETA %d:%02d", rate / 1e6, Int(eta) / 60, Int(eta) % 60)
        } else {
            line += " " + Self.size(bytes) + formatted(" %.1f MB/s", rate / 1e6)
        }
        writeToStandardError(line)
    }

    func done() {
        guard enabled else { return }
        writeToStandardError("\n")
    }

    static func size(_ n: Int) -> String {
        let d = Double(n)
        if d >= Double(1 << 30) { return formatted("%.2f GiB", d / Double(1 << 30)) }
        if d >= Double(1 << 20) { return formatted("%.1f MiB", d / Double(1 << 20)) }
        if d >= 1024 { return formatted("%.1f KiB", d / 1024) }
        return "\(n) B"
    }
}

/// `--quiet` / `--progress`, shared by send and listen.
struct TransferOutputOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "No progress bar.")
    var quiet = false

    @Flag(help: "Show the progress bar even when stderr is not a terminal.")
    var progress = false

    var progressEnabled: Bool {
        if quiet { return false }
        return progress || isatty(2) != 0
    }
}
