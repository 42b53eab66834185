import RTC
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
// @unchecked Sendable is safe: `closed`, `reading` and `descriptorClosed` are used only under `lock`.
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
    ///
    /// The connect is non-blocking and waited for with `poll`, so a host that drops SYNs costs
    /// `timeout`, not the kernel's ~2 minutes of SYN retries. A refused or unreachable address
    /// is retried every 100 ms until the deadline (the server may still be starting).
    /// - Parameters:
    ///   - cancelFD: a descriptor that becomes readable when the caller must stop waiting
    ///     (e.g. a SIGTERM self-pipe), or -1.
    /// - Throws: `SignalingConnectError`: `.timedOut` when the last attempt got no answer by the
    ///   deadline, `.unreachable` when it was refused, `.interrupted` when `cancelFD` fired.
    public static func connect(host: String, port: UInt16, timeout: Double = 10,
                               cancelFD: Int32 = -1) throws -> TCPSignalingConnection {
        let deadline = Deadline.after(timeout)
        let (storage, length) = try SocketAddress.make(host: host, port: port)
        var lastError = "no attempt"
        var timedOut = true
        while true {
            let fd = socket(Int32(storage.ss_family), streamSocketType, 0)
            guard fd >= 0 else {
                throw SignalingConnectError.unreachable("socket(): \(String(cString: strerror(errno)))")
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var s = storage
            let rc = withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
            }
            var error = rc == 0 ? 0 : errno
            if error == EINPROGRESS {
                switch waitWritable(fd, until: deadline, cancelFD: cancelFD) {
                case .ready:
                    var soError: Int32 = 0
                    var size = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &size)
                    error = soError
                case .timedOut:
                    Glibc.close(fd)
                    throw SignalingConnectError.timedOut(
                        "timed out after \(timeout) s connecting to \(host):\(port) (no answer)")
                case .cancelled:
                    Glibc.close(fd)
                    throw SignalingConnectError.interrupted
                }
            }
            if error == 0 {
                // The reader and writer use blocking calls from here on.
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~Int32(O_NONBLOCK))
                return TCPSignalingConnection(fd: fd)
            }
            Glibc.close(fd)
            lastError = String(cString: strerror(error))
            timedOut = error == ETIMEDOUT
            // Pace the retries; `cancelFD` still ends the pause at once.
            let pause = Deadline(nanoseconds: min(Deadline.after(0.1).nanoseconds, deadline.nanoseconds))
            if case .cancelled = waitReadable(cancelFD, until: pause) { throw SignalingConnectError.interrupted }
            if deadline.hasPassed { break }
        }
        let message = "cannot connect to \(host):\(port) within \(timeout) s: \(lastError)"
        throw timedOut ? SignalingConnectError.timedOut(message) : SignalingConnectError.unreachable(message)
    }

    private enum WaitResult { case ready, timedOut, cancelled }

    /// Polls `fd` for writability (a connect's completion) and `cancelFD` for readability.
    private static func waitWritable(_ fd: Int32, until deadline: Deadline, cancelFD: Int32) -> WaitResult {
        var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
                   pollfd(fd: cancelFD, events: Int16(POLLIN), revents: 0)]
        while true {
            let ms = Int32(min(Double(Int32.max), (deadline.secondsLeft * 1000).rounded(.up)))
            let n = poll(&fds, cancelFD >= 0 ? 2 : 1, ms)
            if n < 0 && errno == EINTR { continue }
            if cancelFD >= 0 && fds[1].revents != 0 { return .cancelled }
            if n > 0 { return .ready }
            if deadline.hasPassed { return .timedOut }
        }
    }

    /// Waits until `deadline` unless `cancelFD` becomes readable first.
    private static func waitReadable(_ cancelFD: Int32, until deadline: Deadline) -> WaitResult {
        var p = pollfd(fd: cancelFD, events: Int16(POLLIN), revents: 0)
        while !deadline.hasPassed {
            let ms = Int32(min(Double(Int32.max), (deadline.secondsLeft * 1000).rounded(.up)))
            let n = poll(&p, 1, ms)
            if n < 0 && errno == EINTR { continue }
            if n > 0 && cancelFD >= 0 { return .cancelled }
        }
        return .timedOut
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
        lock.withLock { reading = true }
        startThread(name: "rtc-signal-read") { [self] in
            defer { readerExited() }
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
    ///
    /// The descriptor itself is closed by the reader thread when it leaves (or here, if none
    /// runs): closing it under a thread still in `recv` could let that thread read from the
    /// next connection accepted under the same number.
    public func close() {
        lock.lock()
        guard !closed else {
            lock.unlock()
            return
        }
        closed = true
        shutdown(fd, Int32(SHUT_RDWR))
        let closeNow = !reading && !descriptorClosed
        if closeNow { descriptorClosed = true }
        lock.unlock()
        if closeNow { Glibc.close(fd) }
    }

    private var reading = false
    private var descriptorClosed = false

    private func readerExited() {
        lock.lock()
        reading = false
        let closeNow = closed && !descriptorClosed
        if closeNow { descriptorClosed = true }
        lock.unlock()
        if closeNow { Glibc.close(fd) }
    }
}

/// A listening TCP socket handing out `TCPSignalingConnection`s (`tcp-listen://`).
// @unchecked Sendable is safe: `stopped` is used under `backoffCondition`; `acceptErrors` is
// written only by the thread in `accept` (one at a time).
public final class TCPSignalingListener: @unchecked Sendable {
    public let fd: Int32
    /// The bound port (useful with port 0).
    public let port: UInt16

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
        guard rc == 0, listen(fd, 128) == 0 else {
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

    deinit {
        close()
        Glibc.close(fd)
    }

    /// Blocks until a peer connects; nil once the listener is closed.
    ///
    /// Running out of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) does not end the
    /// accept loop: it waits (10 ms, doubling to 1 s, woken early by `close`) and tries again,
    /// as the pending connection stays in the backlog. Errors about one aborted connection are
    /// retried at once (accept(2), "Error handling").
    public func accept() -> TCPSignalingConnection? {
        var backoff = 0.01
        while true {
            let c = Glibc.accept(fd, nil, nil)
            if c >= 0 {
                _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                return TCPSignalingConnection(fd: c)
            }
            let error = errno
            if isClosed { return nil }
            switch error {
            case EINTR, EAGAIN, ECONNABORTED, EPROTO, EPERM, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
                 EOPNOTSUPP, ENETUNREACH:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                acceptErrors += 1
                if acceptErrors == 1 || acceptErrors % 100 == 0 {
                    Log.warn("tcp-listen: accept failed (\(String(cString: strerror(error)))), retrying")
                }
                let until = Deadline.after(backoff)
                backoffCondition.lock()
                while !stopped && backoffCondition.wait(until: until) {}
                let stop = stopped
                backoffCondition.unlock()
                if stop { return nil }
                backoff = min(backoff * 2, 1)
            default:
                return nil
            }
        }
    }

    /// Accept failures backed off so far (EMFILE and the like).
    public private(set) var acceptErrors = 0
    private let backoffCondition = Condition()
    private var stopped = false

    private var isClosed: Bool {
        backoffCondition.lock()
        defer { backoffCondition.unlock() }
        return stopped
    }

    /// Stops accepting: an `accept` blocked in another thread returns nil, and so does every
    /// later one. The descriptor itself is closed only in deinit, when no thread can still be
    /// about to pass its number to accept(2): closed here, the number could go to the next
    /// socket opened, and an accept thread that had not reached accept(2) yet took that
    /// socket's connections (a stopped server's thread took a new server's peer in a test).
    public func close() {
        backoffCondition.lock()
        let first = !stopped
        stopped = true
        backoffCondition.broadcast()
        backoffCondition.unlock()
        if first { shutdown(fd, Int32(SHUT_RDWR)) }
    }
}

/// Why `TCPSignalingConnection.connect` gave up.
public enum SignalingConnectError: Error, CustomStringConvertible, Equatable {
    /// No answer by the deadline (SYNs dropped, or a very slow path).
    case timedOut(String)
    /// Refused, unreachable or no socket.
    case unreachable(String)
    /// The caller's cancel descriptor fired (SIGINT/SIGTERM).
    case interrupted

    public var description: String {
        switch self {
        case let .timedOut(m), let .unreachable(m): return m
        case .interrupted: return "interrupted while connecting"
        }
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
