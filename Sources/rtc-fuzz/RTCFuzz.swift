#if RTC_LIBFUZZER || DEBUG
@testable import RTC
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `rtc-fuzz TARGET [ARGS...]`: coverage-guided fuzzing of one parser or layer (issue 15, item 8).
///
/// Built by `Scripts/fuzz` with `-sanitize=fuzzer,address -DRTC_LIBFUZZER`, libFuzzer provides
/// `main` and ARGS are its options and corpus directories (`rtc-fuzz stun -runs=1000000
/// Tests/Fuzz/stun`). In an ordinary debug build `main` below replays the files and directories
/// in ARGS once each, so the committed corpora run without libFuzzer too. A finding is a trap:
/// a crash, an ASan report, or a failed `check`.
#if !RTC_LIBFUZZER
@main
enum RTCFuzz {
    static func main() {
        #if DEBUG
        let args = CommandLine.arguments
        guard args.count >= 2, let target = FuzzTarget.all[args[1]] else {
            printToStderr("usage: rtc-fuzz TARGET [corpus files or directories]; targets: \(FuzzTarget.names)")
            exit(64)
        }
        FuzzTarget.selected = target
        exit(replay(Array(args.dropFirst(2))))
        #else
        printToStderr("rtc-fuzz: a release build without testing cannot run the targets; use Scripts/fuzz")
        exit(64)
        #endif
    }
}
#endif

func printToStderr(_ s: String) {
    let line = s + "\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
}

#if RTC_LIBFUZZER || DEBUG
/// One fuzz target: takes arbitrary bytes, traps on a finding.
struct FuzzTarget: Sendable {
    let run: @Sendable ([UInt8]) -> Void

    // Safe: set once in main before libFuzzer starts, then only read from its one fuzzing thread.
    nonisolated(unsafe) static var selected: FuzzTarget?

    static let all: [String: FuzzTarget] = [
        "sdp": FuzzTarget(run: fuzzSDP),
        "stun": FuzzTarget(run: fuzzSTUN),
        "turn": FuzzTarget(run: fuzzTURN),
        "dcep": FuzzTarget(run: fuzzDCEP),
        "signaling": FuzzTarget(run: fuzzSignaling),
        "dtls-sctp": FuzzTarget(run: fuzzDTLSSCTP),
        "ws-http": FuzzTarget(run: fuzzWebSocketHTTP),
    ]

    static var names: String { all.keys.sorted().joined(separator: ", ") }
}

/// Traps with `message` when `condition` is false (a precondition survives -Ounchecked too).
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        printToStderr("rtc-fuzz: check failed: \(message())")
        abort()
    }
}

/// Runs every file under `paths` (files or directories) through the selected target once.
func replay(_ paths: [String]) -> Int32 {
    var count = 0
    for path in paths {
        for file in files(under: path) {
            guard let bytes = readFile(file) else {
                printToStderr("rtc-fuzz: cannot read \(file)")
                return 66
            }
            FuzzTarget.selected!.run(bytes)
            count += 1
        }
    }
    printToStderr("rtc-fuzz: replayed \(count) inputs")
    return 0
}

private func files(under path: String) -> [String] {
    guard let dir = opendir(path) else { return [path] }
    defer { closedir(dir) }
    var out: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name.hasPrefix(".") { continue }
        out.append(path + "/" + name)
    }
    return out.sorted()
}

private func readFile(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        out += buffer[..<n]
    }
    return out
}
#endif

#if RTC_LIBFUZZER
/// libFuzzer's driver, for a program with its own entry point.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The entry point in the fuzzing build. SwiftPM links executables with `main` aliased to
/// `<module>_main` (so tests can link the module), which replaces libFuzzer's own `main`; this is
/// that symbol, and it does what libFuzzer's `main` would.
@_cdecl("rtc_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var args = argv
    return LLVMFuzzerRunDriver(&count, &args, fuzzerTestOneInput)
}

/// libFuzzer calls this before parsing its options: the first argument names the target and is
/// taken out of `argv`, so libFuzzer sees only its own options and corpus directories.
@_cdecl("LLVMFuzzerInitialize")
func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>,
                      _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> Int32 {
    let args = argv.pointee
    // The stack's warnings (a TURN refresh the input failed, ...) would come once per input.
    Log.level = .error
    if argc.pointee >= 2, let name = args[1].map({ String(cString: $0) }), let target = FuzzTarget.all[name] {
        FuzzTarget.selected = target
        for i in 1..<Int(argc.pointee) { args[i] = args[i + 1] }  // argv[argc] is NULL
        argc.pointee -= 1
        // libFuzzer's -merge and -fork re-run this binary with the options it saw, without the
        // target name; the children find it here.
        setenv("RTC_FUZZ_TARGET", name, 1)
        return 0
    }
    if let name = getenv("RTC_FUZZ_TARGET").map({ String(cString: $0) }), let target = FuzzTarget.all[name] {
        FuzzTarget.selected = target
        return 0
    }
    printToStderr("usage: rtc-fuzz TARGET [libFuzzer options] [corpus directories]; targets: \(FuzzTarget.names)")
    exit(64)
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.selected!.run(size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif
