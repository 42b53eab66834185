import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import RTC

/// A fresh directory under /tmp, removed by `remove()`.
struct TempDirectory {
    let path: String

    init() {
        var template = Array("/tmp/rtc-transfer-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ bytes: [UInt8]) {
        let fd = open(file(name), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        _ = RTC.writeAll(fd, bytes)
        close(fd)
    }

    func read(_ name: String) -> [UInt8]? {
        let fd = open(file(name), O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return out }
            out += chunk[0..<n]
        }
    }

    func exists(_ name: String) -> Bool {
        var info = stat()
        return lstat(file(name), &info) == 0
    }

    /// The directory's entries, sorted.
    func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    let h = SHA256Stream()
    h.update(bytes)
    return h.finalize().hexString
}

/// Deterministic bytes (no two chunks alike).
func pattern(_ count: Int, seed: UInt8 = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ ($0 >> 8)) }
}

/// Writes all of `bytes` to `fd` (a name the test macros can take; `RTC.writeAll` is module-qualified).
func writeBytes(_ fd: Int32, _ bytes: [UInt8]) -> Bool { RTC.writeAll(fd, bytes) }
