#if canImport(Glibc)
import Glibc
#endif
import Testing
import RTCSDP
import RTCSDPJSON

/// `rtc sdp-parse`'s input: bounded reads, UTF-8 only, errors naming the file.
@Suite struct SDPJSONInputTests {
    private func temporaryFile(_ bytes: [UInt8]) -> String {
        var template = Array("/tmp/rtc-sdpjson-input-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return String(cString: template)
    }

    @Test func readsAFileWithinTheLimit() throws {
        let path = temporaryFile(Array("v=0\r\n".utf8))
        defer { unlink(path) }
        #expect(try SDPJSONInput.read(path, limit: 5) == "v=0\r\n")
    }

    @Test func aFileOverTheLimitIsRefusedNamingIt() {
        let path = temporaryFile(Array("v=0\r\n".utf8))
        defer { unlink(path) }
        #expect(throws: SDPJSONError.invalid("\(path) exceeds the limit of 4 bytes (--max-size)")) {
            try SDPJSONInput.read(path, limit: 4)
        }
    }

    @Test func invalidUTF8AndMissingFilesAreRefused() {
        let path = temporaryFile([0x76, 0x3D, 0xFF])
        defer { unlink(path) }
        #expect(throws: SDPJSONError.invalid("\(path) is not valid UTF-8")) { try SDPJSONInput.read(path, limit: 100) }
        #expect(throws: SDPJSONError.invalid("cannot read /nonexistent/x.sdp")) {
            try SDPJSONInput.read("/nonexistent/x.sdp", limit: 100)
        }
    }

    @Test func theBenchmarkLineCountsLinesAndRunsAndFailsOnBadSDP() throws {
        let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        let line = try SDPJSONInput.benchmark(sdp, runs: 3, limits: .standard)
        #expect(line.hasPrefix("4 lines parsed in "))
        #expect(line.hasSuffix(" ms (mean of 3 runs)"))
        #expect(throws: SDPJSONError.self) { try SDPJSONInput.benchmark("garbage", runs: 1, limits: .standard) }
    }
}
