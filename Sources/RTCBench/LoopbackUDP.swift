#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket
import RTC

/// IPv4 loopback sockets for the bench's own traffic.
enum LoopbackUDP {
    /// 127.0.0.1:`port`.
    static func address(port: UInt16) -> sockaddr_in {
        var sa = sockaddr_in()
        sa.sin_family = sa_family_t(AF_INET)
        sa.sin_port = port.bigEndian
        sa.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return sa
    }

    /// A non-blocking UDP socket bound to 127.0.0.1 on a free port.
    static func bound() throws -> Int32 {
        let fd = rtc_udp_socket(AF_INET)
        guard fd >= 0 else { throw BenchError("bench: socket: \(String(cString: strerror(errno)))") }
        var sa = address(port: 0)
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw BenchError("bench: bind: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    static func port(of fd: Int32) -> UInt16 {
        var sa = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: sa.sin_port)
    }
}
