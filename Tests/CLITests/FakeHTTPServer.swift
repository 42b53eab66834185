import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A scripted HTTP/1.1 server on 127.0.0.1 (plain sockets, one thread per connection) for the
/// WHIP client's tests: each request is handed to `respond`, whose bytes go back as they are
/// (so a test can send a 500, a 201 without Location, or garbage), or, when it returns nil,
/// nothing at all until the server stops. Every request is recorded.
// @unchecked Sendable is safe: `recorded`, `stopped` and `clients` are used only under `lock`; the rest is `let`.
final class FakeHTTPServer: @unchecked Sendable {
    struct Request {
        let method: String
        let path: String
        /// Header names lowercased.
        let headers: [String: String]
        let body: String
    }

    let port: UInt16
    var base: String { "http://127.0.0.1:\(port)" }
    private let fd: Int32
    private let lock = NSCondition()
    private var recorded: [Request] = []
    private var stopped = false
    private var clients: [Int32] = []

    init(respond: @escaping @Sendable (Request) -> String?) throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw POSIXError(.EMFILE) }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(s, 16) == 0 else {
            close(s)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        fd = s
        port = UInt16(bigEndian: a.sin_port)
        Thread { [self] in acceptLoop(respond) }.start()
    }

    var requests: [Request] { lock.withLock { recorded } }

    /// Waits (bounded) until a request matching `predicate` was recorded.
    func waitForRequest(timeout: Double, where predicate: (Request) -> Bool) -> Request? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let r = recorded.first(where: predicate) { return r }
            if !lock.wait(until: deadline) { return nil }
        }
    }

    /// Shuts the listener and live connections down; each thread closes its own descriptor, so
    /// no number is closed here that another server (tests run in parallel) may already reuse.
    func stop() {
        lock.withLock {
            stopped = true
            for c in clients { shutdown(c, Int32(SHUT_RDWR)) }
            shutdown(fd, Int32(SHUT_RDWR))
        }
    }

    private func acceptLoop(_ respond: @escaping @Sendable (Request) -> String?) {
        defer { close(fd) }
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            let keep = lock.withLock { () -> Bool in
                if stopped { return false }
                clients.append(c)
                return true
            }
            guard keep else {
                close(c)
                return
            }
            Thread { [self] in serve(c, respond) }.start()
        }
    }

    private func serve(_ c: Int32, _ respond: (Request) -> String?) {
        defer {
            // Forget it before closing, so stop() never shuts down a reused descriptor number.
            lock.withLock {
                clients.removeAll { $0 == c }
                close(c)
            }
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            // Headers, then Content-Length bytes of body.
            guard let end = Self.headerEnd(data) else {
                let n = read(c, &buffer, buffer.count)
                if n <= 0 { return }
                data += buffer[..<n]
                continue
            }
            let head = String(decoding: data[..<end], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            var headers: [String: String] = [:]
            for l in lines {
                guard let colon = l.firstIndex(of: ":") else { continue }
                headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while data.count < end + 4 + length {
                let n = read(c, &buffer, buffer.count)
                if n <= 0 { return }
                data += buffer[..<n]
            }
            let body = String(decoding: data[(end + 4)..<(end + 4 + length)], as: UTF8.self)
            let request = Request(method: requestLine.first.map(String.init) ?? "",
                                  path: requestLine.count > 1 ? String(requestLine[1]) : "", headers: headers, body: body)
            lock.withLock {
                recorded.append(request)
                lock.broadcast()
            }
            guard let reply = respond(request) else {
                // Accept and never answer: hold the connection until the peer or stop() ends it.
                while read(c, &buffer, buffer.count) > 0 {}
                return
            }
            let bytes = Array(reply.utf8)
            // MSG_NOSIGNAL: a client that already hung up (it refused a garbage reply) must not
            // SIGPIPE the whole test process.
            _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return // one request per connection (the replies say Connection: close)
        }
    }

    private static func headerEnd(_ d: [UInt8]) -> Int? {
        guard d.count >= 4 else { return nil }
        for i in 0...(d.count - 4) where d[i] == 13 && d[i + 1] == 10 && d[i + 2] == 13 && d[i + 3] == 10 { return i }
        return nil
    }

    /// An HTTP/1.1 response with Content-Length and Connection: close.
    static func response(_ status: String, headers: [(String, String)] = [], body: String = "") -> String {
        var s = "HTTP/1.1 \(status)\r\n"
        for (k, v) in headers { s += "\(k): \(v)\r\n" }
        s += "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        return s
    }
}
