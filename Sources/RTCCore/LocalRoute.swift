#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket

/// The local source address the kernel would use toward a destination.
public enum LocalRoute {
    /// Connects a throwaway UDP socket to `destination` and reads its name: no packet is sent.
    /// Returns the IP with port 0, or nil when there is no route.
    public static func sourceAddress(toward destination: TransportAddress) -> TransportAddress? {
        let s = rtc_udp_socket(destination.family == .ipv6 ? AF_INET6 : AF_INET)
        guard s >= 0 else { return nil }
        defer { Glibc.close(s) }
        guard destination.withSockAddr({ connect(s, $0, $1) }) == 0 else { return nil }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        guard rc == 0, let a = TransportAddress(storage: storage) else { return nil }
        return TransportAddress(ip: a.ip, port: 0)
    }
}
