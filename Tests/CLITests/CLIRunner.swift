import Foundation
import RTCTestSupport

/// Runs the built `rtc` binary as a user would and collects its output.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
    /// The `rtc` executable next to the test bundle (SwiftPM builds both into the same folder).
    static var binary: URL {
        if let p = ProcessInfo.processInfo.environment["RTC_BINARY"] { return URL(fileURLWithPath: p) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("rtc")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/rtc")
    }

    /// Runs `rtc args...` with `stdin` as input; kills it after `timeout` seconds.
    @discardableResult
    static func run(_ args: [String], stdin: String? = nil, timeout: Double = 30,
                    environment: [String: String?] = [:]) throws -> CLIResult {
        try run(args, stdinData: stdin.map { Data($0.utf8) }, timeout: timeout, environment: environment)
    }

    /// `environment` adds (or, with nil, removes) variables of the test's own environment.
    static func run(_ args: [String], stdinData: Data?, timeout: Double = 30,
                    environment: [String: String?] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        let writer = Thread {
            if let d = stdinData { try? inp.fileHandleForWriting.write(contentsOf: d) }
            try? inp.fileHandleForWriting.close()
        }
        writer.start()
        let outData = LockedValue(Data()), errData = LockedValue(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outData.set(out.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData.set(err.fileHandleForReading.readDataToEndOfFile()); group.leave() }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        group.wait()
        return CLIResult(status: p.terminationStatus,
                         stdout: String(decoding: outData.value, as: UTF8.self),
                         stderr: String(decoding: errData.value, as: UTF8.self))
    }
}
