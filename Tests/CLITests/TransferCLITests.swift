import Foundation
import Testing

/// `rtc send` / `rtc listen` between two real processes on loopback.
@Suite(.serialized) struct TransferCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    private func summaries(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            guard let o = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any],
                  o["type"] as? String == "file" else { return nil }
            return o
        }
    }

    @Test func hundredMiBOverStdioSignalingIsByteExact() throws {
        let dir = try TestData.tempDir("t100")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("data.bin")
        try TestData.write(src, size: 100 << 20, seed: 1)
        let outDir = dir.appendingPathComponent("out")
        let (s, l) = try PeerPair.stdio(["send"] + ice + [src.path], ["listen"] + ice + ["-o", outDir.path + "/"])
        #expect(s.status == 0, "send: \(s.stderr)")
        #expect(l.status == 0, "listen: \(l.stderr)")
        #expect(TestData.sameFiles(src, outDir.appendingPathComponent("data.bin")))
        let sent = summaries(s.stdout), got = summaries(l.stdout)
        #expect(sent.count == 1 && got.count == 1)
        #expect(got.first?["verified"] as? Bool == true)
        #expect(got.first?["bytes"] as? Int == 100 << 20)
        #expect(sent.first?["sha256"] as? String == got.first?["sha256"] as? String)
        if let rate = got.first?["mb_per_s"] { print("100 MiB over loopback: \(rate) MB/s") }
        #expect(!FileManager.default.fileExists(atPath: outDir.appendingPathComponent("data.bin.part").path))
    }

    @Test func severalFilesInOneRun() throws {
        let dir = try TestData.tempDir("multi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = ["a.bin", "empty", "c d.txt"]
        let sizes = [3 << 20, 0, 70_001]
        for (n, size) in zip(names, sizes) { try TestData.write(dir.appendingPathComponent(n), size: size, seed: UInt64(size)) }
        let outDir = dir.appendingPathComponent("out")
        let (s, l) = try PeerPair.stdio(["send"] + ice + names.map { dir.appendingPathComponent($0).path },
                                        ["listen"] + ice + ["-o", outDir.path + "/"])
        #expect(s.status == 0, "send: \(s.stderr)")
        #expect(l.status == 0, "listen: \(l.stderr)")
        for n in names {
            #expect(TestData.sameFiles(dir.appendingPathComponent(n), outDir.appendingPathComponent(n)), "\(n)")
        }
        #expect(summaries(l.stdout).count == 3)
    }

    @Test func maliciousNameIsRefused() throws {
        let dir = try TestData.tempDir("evil")
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("x")
        try TestData.write(src, size: 1000, seed: 3)
        let outDir = dir.appendingPathComponent("a/b/out")
        let (s, l) = try PeerPair.stdio(["send"] + ice + ["--as", "../../x", src.path],
                                        ["listen"] + ice + ["-o", outDir.path + "/"], timeout: 30)
        #expect(s.status != 0)
        #expect(l.status != 0)
        #expect(l.stderr.contains("refused name"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/x").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a/x.part").path))
    }

    @Test func garbageSignalingExits65() throws {
        let r = try CLI.run(["listen", "--ice-host", "127.0.0.1"], stdin: "this is not json\n", timeout: 20)
        #expect(r.status == 65, "\(r.stderr)")
        let s = try CLI.run(["send", "--ice-host", "127.0.0.1", "/etc/hostname"], stdin: "{\"type\":\"nonsense\"}\n",
                            timeout: 20)
        #expect(s.status == 65, "\(s.stderr)")
    }
}
