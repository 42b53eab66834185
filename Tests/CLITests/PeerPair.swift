import Foundation
import RTCTestSupport

/// Two `rtc` processes run side by side, optionally with stdio signaling relayed between them
/// (the first stdout line of each goes to the other's stdin).
// @unchecked Sendable is safe: `process` and the pipes are thread-safe Foundation objects used by
// the test thread and its reader threads; `errData` and `errEnded` are used only under `errCondition`.
final class RunningRTC: @unchecked Sendable {
    let process = Process()
    let stdinPipe = Pipe()
    let stdoutPipe = Pipe()
    let stderrPipe = Pipe()
    /// stderr so far, and whether it ended; guarded by `errCondition`.
    private var errData = Data()
    private var errEnded = false
    private let errCondition = NSCondition()
    private let errDone = DispatchSemaphore(value: 0)

    /// Runs `rtc args...`, or `executable args...` (a shell that sets limits, then execs rtc).
    init(_ args: [String], executable: URL? = nil, stdinData: Data? = nil, stdoutFile: URL? = nil) throws {
        process.executableURL = executable ?? CLI.binary
        process.arguments = args
        process.standardInput = stdinPipe
        if let stdoutFile {
            _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        } else {
            process.standardOutput = stdoutPipe
        }
        process.standardError = stderrPipe
        try process.run()
        let err = stderrPipe.fileHandleForReading
        DispatchQueue.global().async { [self] in
            while true {
                let chunk = err.availableData
                errCondition.lock()
                if chunk.isEmpty { errEnded = true } else { errData.append(chunk) }
                errCondition.broadcast()
                errCondition.unlock()
                if chunk.isEmpty { break }
            }
            errDone.signal()
        }
        if let stdinData {
            let h = stdinPipe.fileHandleForWriting
            Thread.detachNewThread {
                try? h.write(contentsOf: stdinData)
                try? h.close()
            }
        }
    }

    /// Starts `rtc args...` whose listening --signal (port 0) binds a port, and waits for the
    /// port from its `rtc: listening on URL` line.
    static func listening(_ args: [String], executable: URL? = nil, stdinData: Data? = nil, stdoutFile: URL? = nil,
                          within seconds: Double = 15) throws -> (RunningRTC, UInt16) {
        let p = try RunningRTC(args, executable: executable, stdinData: stdinData, stdoutFile: stdoutFile)
        guard let port = p.listeningPort(within: seconds) else {
            let r = p.finish(timeout: 0)
            throw NotListening(description: "no 'listening on' line within \(seconds) s from rtc \(args): \(r.stderr)")
        }
        return (p, port)
    }

    /// The port of the `rtc: listening on URL` line a listening --signal prints once bound; nil
    /// when stderr ends or `seconds` pass without it.
    func listeningPort(within seconds: Double) -> UInt16? {
        waitForStderr(within: seconds) { Self.listeningPort(in: $0) }
    }

    /// True once stderr contains `text`; false when it ends or `seconds` pass without it.
    func waitForStderr(containing text: String, within seconds: Double) -> Bool {
        waitForStderr(within: seconds) { $0.contains(text) ? true : nil } ?? false
    }

    /// The first non-nil `found(stderr so far)`, re-checked whenever stderr grows; nil when
    /// stderr ends or `seconds` pass first.
    private func waitForStderr<T>(within seconds: Double, _ found: (String) -> T?) -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        errCondition.lock()
        defer { errCondition.unlock() }
        while true {
            if let value = found(String(decoding: errData, as: UTF8.self)) { return value }
            if errEnded || !errCondition.wait(until: deadline) { return nil }
        }
    }

    /// The port in `PROGRAM: listening on SCHEME://HOST:PORT[/PATH]` (rtc's line, and the
    /// aiortc interop peer's; HOST may be a bracketed IPv6 literal).
    static func listeningPort(in stderr: String) -> UInt16? {
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains(": listening on ") }),
              let authorityStart = line.range(of: "://")?.upperBound else { return nil }
        let authority = line[authorityStart...].prefix { $0 != "/" }
        guard let colon = authority.lastIndex(of: ":") else { return nil }
        return UInt16(authority[authority.index(after: colon)...])
    }

    /// One line from stdout (blocking, bounded by the process's own timeouts).
    func readLine() -> String? {
        var bytes: [UInt8] = []
        let fd = stdoutPipe.fileHandleForReading.fileDescriptor
        var b: UInt8 = 0
        while read(fd, &b, 1) == 1 {
            if b == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(b)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    func writeLine(_ line: String) {
        try? stdinPipe.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    func closeStdin() { try? stdinPipe.fileHandleForWriting.close() }

    /// Waits for exit (killing after `timeout`), returns status, rest of stdout and stderr.
    func finish(timeout: Double) -> CLIResult {
        let deadline = Date().addingTimeInterval(timeout)
        let rest = LockedValue(Data())
        let outDone = DispatchSemaphore(value: 0)
        let piped = (process.standardOutput as? Pipe) != nil
        DispatchQueue.global().async { [self] in
            if piped { rest.set(stdoutPipe.fileHandleForReading.readDataToEndOfFile()) }
            outDone.signal()
        }
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        _ = outDone.wait(timeout: .now() + 5)
        _ = errDone.wait(timeout: .now() + 5)
        errCondition.lock()
        let err = errData
        errCondition.unlock()
        return CLIResult(status: process.terminationStatus, stdout: String(decoding: rest.value, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self))
    }
}

/// A listening `rtc` that did not report its port.
struct NotListening: Error, CustomStringConvertible {
    let description: String
}

enum PeerPair {
    /// Runs `a` and `b`, relaying each one's first stdout line (its description) to the other.
    static func stdio(_ a: [String], _ b: [String], timeout: Double = 120) throws -> (CLIResult, CLIResult) {
        let pa = try RunningRTC(a)
        let pb = try RunningRTC(b)
        let relay = DispatchGroup()
        for (from, to) in [(pa, pb), (pb, pa)] {
            relay.enter()
            DispatchQueue.global().async {
                if let line = from.readLine() { to.writeLine(line) }
                relay.leave()
            }
        }
        _ = relay.wait(timeout: .now() + 30)
        let ra = LockedValue<CLIResult?>(nil), rb = LockedValue<CLIResult?>(nil)
        let g = DispatchGroup()
        g.enter()
        DispatchQueue.global().async { ra.set(pa.finish(timeout: timeout)); g.leave() }
        g.enter()
        DispatchQueue.global().async { rb.set(pb.finish(timeout: timeout)); g.leave() }
        g.wait()
        return (ra.value!, rb.value!)
    }
}

enum TestData {
    /// Writes `size` deterministic pseudo-random bytes (SplitMix64 from `seed`) to `url`.
    static func write(_ url: URL, size: Int, seed: UInt64) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let h = try FileHandle(forWritingTo: url)
        defer { try? h.close() }
        var state = seed
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var left = size
        while left > 0 {
            let n = min(left, chunk.count)
            chunk.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for i in 0..<((n + 7) / 8) {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    var z = state
                    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                    words[i] = z ^ (z >> 31)
                }
            }
            try h.write(contentsOf: chunk[0..<n])
            left -= n
        }
    }

    static func sameFiles(_ a: URL, _ b: URL) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/cmp")
        p.arguments = ["-s", a.path, b.path]
        try? p.run()
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static func sha256sum(_ url: URL) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [url.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try? p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return String(text.prefix(64))
    }

    static func tempDir(_ tag: String) throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("rtc-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// A free TCP port on 127.0.0.1 (bind to 0, read it back, release).
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return UInt16(bigEndian: a.sin_port)
    }
}

extension RunningRTC {
    /// `readLine`, bounded: after `seconds` the process is terminated (which ends the read).
    func readLine(within seconds: Double) -> String? {
        let done = DispatchSemaphore(value: 0)
        // Safe: written by the reader before `signal`, read after `wait` (the process is killed first on timeout).
        nonisolated(unsafe) var line: String?
        DispatchQueue.global().async { [self] in
            line = readLine()
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            _ = done.wait(timeout: .now() + 5)
        }
        return line
    }
}
