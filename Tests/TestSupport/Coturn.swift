#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A coturn `turnserver` on loopback for tests: listens on 127.0.0.1 and 127.0.0.2 (RFC 5780
/// needs two addresses; Linux routes all of 127/8 to `lo`) on a free port and the next one.
/// `stop()` (or deinit) always kills it.
public final class Coturn {
    public static let path = "/usr/bin/turnserver"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    public let port: UInt16
    public let user = "user"
    public let password = "pass"
    public let realm = "realm"
    private let process = Process()
    private let logURL: URL
    private let dir: URL

    /// - Parameters:
    ///   - port: the port to listen on (and the next one); a free pair when nil. Given, a test
    ///     restarts the server on the same address (its allocations then gone).
    ///   - extraUsers: more `user:password` pairs it accepts besides `user`.
    public init(port fixed: UInt16? = nil, extraUsers: [String] = []) throws {
        guard Self.isInstalled else {
            throw CocoaError(.executableNotLoadable, userInfo: [NSLocalizedDescriptionKey:
                "coturn's turnserver is not installed at \(Self.path) (Scripts/install-deps installs it; RTC_SKIP_COTURN=1 opts out)"])
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtc-coturn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        logURL = dir.appendingPathComponent("turn.log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: logURL.path])
        }
        port = try fixed ?? Self.freePortPair()
        process.executableURL = URL(fileURLWithPath: Self.path)
        process.arguments = [
            "-n", "--listening-ip", "127.0.0.1", "--listening-ip", "127.0.0.2",
            "--listening-port", "\(port)", "--alt-listening-port", "\(port + 1)",
            "--relay-ip", "127.0.0.1", "--allow-loopback-peers",
            "--no-tls", "--no-dtls", "--no-tcp", "--no-cli", "--simple-log", "--log-file", "stdout",
            "--pidfile", dir.appendingPathComponent("turn.pid").path,
            "--userdb", dir.appendingPathComponent("turn.db").path,
            "-u", "\(user):\(password)", "-r", realm, "--lt-cred-mech",
        ] + extraUsers.flatMap { ["-u", $0] }
        let logHandle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if logContains("Total General servers") { return }
            if !process.isRunning { break }
            usleep(20_000)
        }
        stop()
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "turnserver did not start: \(self.log)"])
    }

    deinit { stop() }

    public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    private func logContains(_ s: String) -> Bool { log.contains(s) }

    public func stop() {
        // coturn does not always exit promptly on SIGTERM: kill it outright, then reap it.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
        }
        try? FileManager.default.removeItem(at: dir)
    }

    /// A port P with P and P+1 free for UDP on 127.0.0.1 and 127.0.0.2 (checked by binding).
    public static func freePortPair() throws -> UInt16 {
        for _ in 0..<50 {
            let p = UInt16.random(in: 20000...40000)
            if [p, p + 1].allSatisfy({ port in ["127.0.0.1", "127.0.0.2"].allSatisfy { canBind($0, port) } }) {
                return p
            }
        }
        throw CocoaError(.featureUnsupported)
    }

    /// A UDP port on 127.0.0.1 that nobody listens on (bound, then released).
    public static func unusedPort() -> UInt16 {
        while true {
            let p = UInt16.random(in: 40001...60000)
            if canBind("127.0.0.1", p) { return p }
        }
    }

    private static func canBind(_ ip: String, _ port: UInt16) -> Bool {
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard s >= 0 else { return false }
        defer { close(s) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        inet_pton(AF_INET, ip, &a.sin_addr)
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
