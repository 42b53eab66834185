import Foundation
import Testing

/// `rtc send` to `rtc listen` when the announced name exists in the output directory: refused
/// before any byte (both exit 1, each naming why), or `--overwrite` / `--rename`. The hostile
/// senders (two writers for one name, stdout, locked .part) are in Scripts/interop/test_transfer_hostile.py.
@Suite(.serialized) struct TransferExistingFileCLITests {
    let ice = ["--ice-host", "127.0.0.1", "--quiet"]

    private func summaries(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            guard let o = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any],
                  o["type"] as? String == "file" else { return nil }
            return o
        }
    }

    /// A source file and an output directory already holding `data.bin` (other bytes).
    private func setUp(_ tag: String) throws -> (dir: URL, src: URL, out: URL, existing: URL) {
        let dir = try TestData.tempDir(tag)
        let src = dir.appendingPathComponent("data.bin")
        try TestData.write(src, size: 2_000_000, seed: 51)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let existing = out.appendingPathComponent("data.bin")
        try TestData.write(existing, size: 10_000, seed: 52)
        return (dir, src, out, existing)
    }

    @Test func existingFileIsRefusedAndUntouched() throws {
        let (dir, src, out, existing) = try setUp("exist")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = TestData.sha256sum(existing)
        let (s, l) = try PeerPair.stdio(["send"] + ice + [src.path], ["listen"] + ice + ["-o", out.path + "/"], timeout: 30)
        #expect(s.status == 1, "send: \(s.stderr)")
        #expect(s.stderr.contains("exists"), "send: \(s.stderr)")
        #expect(l.status == 1, "listen: \(l.stderr)")
        #expect(l.stderr.contains("\(existing.path) exists"), "listen: \(l.stderr)")
        #expect(TestData.sha256sum(existing) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["data.bin"])
        #expect(summaries(l.stdout).first?["verified"] as? Bool == false)
    }

    @Test func overwriteReplaces() throws {
        let (dir, src, out, existing) = try setUp("overw")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (s, l) = try PeerPair.stdio(["send"] + ice + [src.path],
                                        ["listen"] + ice + ["--overwrite", "-o", out.path + "/"], timeout: 30)
        #expect(s.status == 0, "send: \(s.stderr)")
        #expect(l.status == 0, "listen: \(l.stderr)")
        #expect(TestData.sameFiles(src, existing))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["data.bin"])
    }

    @Test func renameKeepsBoth() throws {
        let (dir, src, out, existing) = try setUp("renam")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = TestData.sha256sum(existing)
        let (s, l) = try PeerPair.stdio(["send"] + ice + [src.path],
                                        ["listen"] + ice + ["--rename", "-o", out.path + "/"], timeout: 30)
        #expect(s.status == 0, "send: \(s.stderr)")
        #expect(l.status == 0, "listen: \(l.stderr)")
        let renamed = out.appendingPathComponent("data (1).bin")
        #expect(TestData.sameFiles(src, renamed))
        #expect(TestData.sha256sum(existing) == before)
        let got = summaries(l.stdout).first
        #expect(got?["name"] as? String == "data (1).bin")
        #expect(got?["path"] as? String == renamed.path)
        #expect(got?["announced"] as? String == "data.bin")
    }

    @Test func conflictingFlagsAreUsageErrors() throws {
        let both = try CLI.run(["listen", "--overwrite", "--rename"], timeout: 10)
        #expect(both.status == 64, "\(both.stderr)")
        #expect(both.stderr.contains("--overwrite and --rename"), "\(both.stderr)")
        let stdout = try CLI.run(["listen", "-o", "-", "--signal", "tcp-listen://127.0.0.1:0",
                                  "--overwrite"], timeout: 10)
        #expect(stdout.status == 64, "\(stdout.stderr)")
        #expect(stdout.stderr.contains("not to -o -"), "\(stdout.stderr)")
    }
}
