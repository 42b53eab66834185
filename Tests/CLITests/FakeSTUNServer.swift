import Foundation
import RTC
#if canImport(Glibc)
import Glibc
#endif

/// A STUN responder on 127.0.0.1 for `stun-probe` tests: every request that arrives is passed to
/// `respond`, and the datagrams it returns (none, one or several) go back to the sender. Lets a test send exactly
/// the malformed answer it is about (bad FINGERPRINT, OTHER-ADDRESS 0.0.0.0:0, 401, 300 ...).
// @unchecked Sendable is safe: `requests` and `stopped` are written under `lock`; tests read `requests`
// once the probe has ended.
final class FakeSTUNServer: @unchecked Sendable {
    let port: UInt16
    var address: TransportAddress { TransportAddress(ipv4: 127, 0, 0, 1, port: port) }
    /// Requests received so far (read after the probe ended).
    private(set) var requests: [STUNMessage] = []
    /// How many requests arrived so far (any time).
    var requestCount: Int { lock.withLock { requests.count } }
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init(respond: @escaping @Sendable (STUNMessage, TransportAddress) -> [[UInt8]]) throws {
        let s = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard s >= 0 else { throw POSIXError(.EMFILE) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        guard bound == 0 else { close(s); throw POSIXError(.EADDRINUSE) }
        fd = s
        port = UInt16(bigEndian: a.sin_port)
        let thread = Thread { [self] in serve(respond) }
        thread.start()
    }

    private func serve(_ respond: (STUNMessage, TransportAddress) -> [[UInt8]]) {
        defer { finished.signal() }
        var buffer = [UInt8](repeating: 0, count: 2048)
        while !lock.withLock({ stopped }) {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &len) }
            }
            guard n > 0, let request = try? STUNMessage(decoding: Array(buffer[..<n])) else { continue }
            let source = TransportAddress(ip: withUnsafeBytes(of: from.sin_addr) { Array($0) },
                                          port: UInt16(bigEndian: from.sin_port))!
            lock.withLock { requests.append(request) }
            for reply in respond(request, source) {
              _ = withUnsafePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, reply, reply.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
              }
            }
        }
    }

    func stop() {
        lock.withLock { stopped = true }
        finished.wait()
        close(fd)
    }
}
