import Foundation
import Testing

/// Unbounded input through the real binary (issue 15, finding 6): endless stdin lines and files
/// end with exit 65 and one line naming the limit, quickly and in bounded memory.
@Suite struct InputLimitsCLITests {
    struct Measured {
        let status: Int32
        let stderr: String
        let maxRSSMiB: Double
        let seconds: Double
    }

    /// Runs `rtc args` with stdin from `stdinPath` and stdout to /dev/null under GNU time, which
    /// reports the peak RSS of rtc alone (a wait4 from this process would also count the test
    /// process's own pages that a vfork-style spawn shares until exec). Killed (its whole process
    /// group) after `timeout` seconds.
    static func measure(_ args: [String], stdinPath: String, timeout: Double = 20) throws -> Measured {
        let tmp = FileManager.default.temporaryDirectory
        let errPath = tmp.appendingPathComponent("rtc-err-\(UUID().uuidString)").path
        let rssPath = tmp.appendingPathComponent("rtc-rss-\(UUID().uuidString)").path
        defer { unlink(errPath); unlink(rssPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let time = "/usr/bin/time"
        let argv: [UnsafeMutablePointer<CChar>?] = ([time, "-f", "%M", "-o", rssPath, CLI.binary.path] + args)
            .map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, time, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        let done = DispatchSemaphore(value: 0)
        // Safe: written by the waiting thread before `signal`, read here only after `wait` returned.
        nonisolated(unsafe) var status: Int32 = 0
        let child = pid
        Thread {
            _ = waitpid(child, &status, 0)
            done.signal()
        }.start()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            kill(-child, SIGKILL)
            done.wait()
        }
        let seconds = Date().timeIntervalSince(start)
        let exited = (status & 0x7F) == 0
        // GNU time writes "Command exited with non-zero status N" first, then the KB figure.
        let report = (try? String(contentsOfFile: rssPath, encoding: .utf8)) ?? ""
        let kb = report.split(separator: "\n").last.flatMap { Double($0) } ?? .infinity
        return Measured(status: exited ? (status >> 8) & 0xFF : -1,
                        stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                        maxRSSMiB: kb / 1024, seconds: seconds)
    }

    /// Before: `rtc sdp-parse /dev/zero` grew to 6.5 GB; now it stops at the 1 MiB cap.
    @Test(arguments: [["sdp-parse", "/dev/zero"], ["sdp-parse"], ["sdp-parse", "--to-sdp", "-"]])
    func sdpParseOfEndlessInputExits65(args: [String]) throws {
        let r = try Self.measure(args, stdinPath: "/dev/zero")
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("exceeds the limit of 1048576 bytes (--max-size)"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.seconds < 10, "\(r.seconds) s")
        #expect(r.maxRSSMiB < 100, "peak RSS \(r.maxRSSMiB) MiB")
    }

    /// Before: `rtc answer < /dev/zero` grew to 5.8 GB in 4 s; now the line stops at 1 MiB.
    @Test func answerFedAnEndlessLineExits65() throws {
        let r = try Self.measure(["answer", "--ice-host", "127.0.0.1", "--connect-timeout", "30"], stdinPath: "/dev/zero")
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("stdin line 1 is longer than the limit of 1048576 bytes (--max-line)"), "\(r.stderr)")
        #expect(r.seconds < 10, "\(r.seconds) s")
        #expect(r.maxRSSMiB < 100, "peak RSS \(r.maxRSSMiB) MiB")
    }

    @Test func maxLineIsAdjustable() throws {
        let line = String(repeating: "x", count: 2000) + "\n"
        let r = try CLI.run(["answer", "--ice-host", "127.0.0.1", "--max-line", "1000"], stdin: line, timeout: 20)
        #expect(r.status == 65)
        #expect(r.stderr.contains("limit of 1000 bytes (--max-line)"), "\(r.stderr)")
    }

    /// Before: 511 levels cost 2.5 s of CPU in Foundation's decoder; now refused past 64 at once.
    @Test func deepJSONIsRefusedFast() throws {
        let deep = #"{"type":"x","a":"# + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}\n"
        let start = Date()
        let r = try CLI.run(["sdp-parse"], stdin: deep, timeout: 20)
        #expect(r.status == 65)
        #expect(r.stderr.contains("nested deeper than 64 levels"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 5)
    }

    /// Before: a CR/LF inside a JSON string went into the SDP, so a `mid` injected an m= section.
    @Test func toSDPRefusesLineBreaksInFields() throws {
        let parsed = try CLI.run(["sdp-parse"], stdin: SdpParseCLITests.sdp)
        #expect(parsed.status == 0, "\(parsed.stderr)")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Any])
        var media = try #require(object["media"] as? [[String: Any]])
        media[0]["mid"] = "0\r\nm=audio 9 RTP/AVP 0\r\na=mid:1"
        object["media"] = media
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let r = try CLI.run(["sdp-parse", "--to-sdp"], stdin: json + "\n")
        #expect(r.status == 65, "stdout: \(r.stdout)")
        #expect(r.stderr.contains("CR, LF or NUL inside a field"), "\(r.stderr)")
        #expect(!r.stdout.contains("m=audio"))
    }

    @Test func sdpLineCapIsAdjustable() throws {
        let sdp = SdpParseCLITests.sdp + String(repeating: "a=x-extra\r\n", count: 20_000)
        let r = try CLI.run(["sdp-parse"], stdin: sdp)
        #expect(r.status == 65)
        #expect(r.stderr.contains("exceeds the limit of 20000 lines"), "\(r.stderr)")
        let raised = try CLI.run(["sdp-parse", "--max-lines", "30000"], stdin: sdp)
        #expect(raised.status == 0, "\(raised.stderr)")
    }

    @Test func invalidUTF8IsRefused() throws {
        let r = try CLI.run(["sdp-parse"], stdinData: Data(SdpParseCLITests.sdp.utf8) + Data([0x61, 0x3D, 0xFF, 0x0D, 0x0A]))
        #expect(r.status == 65)
        #expect(r.stderr.contains("is not valid UTF-8"), "\(r.stderr)")
    }
}
