#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Newline-delimited signaling over one TCP connection, the transport of aiortc's
/// `TcpSocketSignaling`: one JSON object a line, UTF-8, `\n` terminated.
///
/// Blocking POSIX sockets: `startReading` runs a reader thread; `send` may be called from any
/// thread. Lines longer than `maxLineLength` end the connection with `SignalingError.malformed`.
public final class TCPSignalingConnection: @unchecked Sendable {
    public let fd: Int32
    /// Longest line accepted (an SDP with many candidates is a few KiB).
    public static let maxLineLength = 1 << 20
    private let lock = Lock()
    private var closed = false

    init(fd: Int32) {
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// Connects to `host:port` (an IP literal or `localhost`), giving up after `timeout` seconds.
    /// - Throws: `SignalingError.closed` with the reason when the peer cannot be reached.
    public static func connect(host: String, port: UInt16, timeout: Double = 10) throws -> TCPSignalingConnection {
        let deadline = Deadline.after(timeout)
        var lastError = "no attempt"
        repeat {
            let (storage, length) = try SocketAddress.make(host: host, port: port)
            let fd = socket(Int32(storage.ss_family), streamSocketType, 0)
            guard fd >= 0 else { throw SignalingError.closed("socket(): \(String(cString: strerror(errno)))") }
            var s = storage
            let rc = withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
            }
            if rc == 0 { return TCPSignalingConnection(fd: fd) }
            lastError = String(cString: strerror(errno))
            Glibc.close(fd)
            usleep(100_000)
        } while !deadline.hasPassed
        throw SignalingError.closed("cannot connect to \(host):\(port): \(lastError)")
    }

    /// Sends one line (a newline is appended).
    /// - Throws: `SignalingError.closed` when the connection is gone.
    public func send(line: String) throws {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw SignalingError.closed("signaling connection closed") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { throw SignalingError.closed("signaling send failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Reads lines on a new thread: `onLine` for each (without the newline), then `onEnd` once,
    /// with nil at a clean EOF or the error that ended it.
    public func startReading(onLine: @escaping @Sendable (String) -> Void,
                             onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        startThread(name: "rtc-signal-read") { [self] in
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    onEnd(nil)
                    return
                }
                buffer.append(contentsOf: chunk[0..<n])
                while let nl = buffer.firstIndex(of: 0x0A) {
                    // Invalid UTF-8 is refused, not repaired into U+FFFD behind the peer's back.
                    guard let line = String(validating: buffer[..<nl], as: UTF8.self) else {
                        onEnd(.malformed("signaling line is not valid UTF-8"))
                        return
                    }
                    buffer.removeSubrange(...nl)
                    onLine(line)
                }
                if buffer.count > Self.maxLineLength {
                    onEnd(.malformed("signaling line longer than \(Self.maxLineLength) bytes"))
                    return
                }
            }
        }
    }

    /// Shuts the connection down; the reader thread sees EOF.
    public func close() {
        closeOnce(fd, lock: lock, closed: &closed)
    }
}

/// A listening TCP socket handing out `TCPSignalingConnection`s (`tcp-listen://`).
public final class TCPSignalingListener: @unchecked Sendable {
    public let fd: Int32
    /// The bound port (useful with port 0).
    public let port: UInt16
    private let lock = Lock()
    private var closed = false

    /// Binds and listens on `host:port`.
    /// - Throws: `SignalingError.closed` when the address cannot be bound.
    public init(host: String, port: UInt16) throws {
        let (storage, length) = try SocketAddress.make(host: host, port: port)
        let fd = socket(Int32(storage.ss_family), streamSocketType, 0)
        guard fd >= 0 else { throw SignalingError.closed("socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var s = storage
        let rc = withUnsafePointer(to: &s) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SignalingError.closed("cannot listen on \(host):\(port): \(reason)")
        }
        var bound = sockaddr_storage()
        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) }
        }
        self.fd = fd
        self.port = SocketAddress.port(of: bound)
    }

    deinit { close() }

    /// Blocks until a peer connects; nil once the listener is closed.
    public func accept() -> TCPSignalingConnection? {
        while true {
            let c = Glibc.accept(fd, nil, nil)
            if c >= 0 { return TCPSignalingConnection(fd: c) }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    public func close() {
        closeOnce(fd, lock: lock, closed: &closed)
    }
}

/// `sockaddr_storage` for an IP literal (or `localhost`) and port.
enum SocketAddress {
    static func make(host: String, port: UInt16) throws -> (sockaddr_storage, socklen_t) {
        var storage = sockaddr_storage()
        // IPv6 literals come bracketed from URLs: [::1].
        let unbracketed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let name = host == "localhost" ? "127.0.0.1" : unbracketed
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            a.sin_addr = v4
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: a) { dst.copyMemory(from: $0) } }
            return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
        if inet_pton(AF_INET6, name, &v6) == 1 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            a.sin6_addr = v6
            withUnsafeMutableBytes(of: &storage) { dst in withUnsafeBytes(of: a) { dst.copyMemory(from: $0) } }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
        throw SignalingError.malformed("signaling host must be an IP address or localhost, got '\(host)'")
    }

    static func port(of storage: sockaddr_storage) -> UInt16 {
        var s = storage
        if Int32(s.ss_family) == AF_INET6 {
            return withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in6.self).sin6_port.bigEndian }
        }
        return withUnsafeBytes(of: &s) { $0.load(as: sockaddr_in.self).sin_port.bigEndian }
    }
}

/// `SOCK_STREAM` (1 on Linux and Darwin); spelled out because the Glibc overlay does not
/// always expose the `__socket_type` constant (seen in release builds).
let streamSocketType: Int32 = 1

/// Shuts `fd` down (waking a thread blocked reading or accepting on it) and closes it, once.
private func closeOnce(_ fd: Int32, lock: Lock, closed: inout Bool) {
    lock.lock()
    defer { lock.unlock() }
    guard !closed else { return }
    closed = true
    shutdown(fd, Int32(SHUT_RDWR))
    Glibc.close(fd)
}
