import ArgumentParser
import RTC
import RTCSignaling
import RTCTransfer
#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on stderr: name, percent, bytes, rate and ETA, redrawn at most 5 times a second.
final class ProgressBar: TransferProgress {
    let enabled: Bool
    private var lastDraw = 0.0

    init(enabled: Bool) { self.enabled = enabled }

    func update(name: String, bytes: Int, total: Int?, started: Double, force: Bool) {
        guard enabled else { return }
        let t = TransferClock.now()
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
