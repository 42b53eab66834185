import RTCCore
#if canImport(Glibc)
import Glibc
#endif

/// The machine's interface addresses for host candidates: up, non-loopback IPv4 and global
/// IPv6 (no link-local). `--ice-host` replaces this list, e.g. with 127.0.0.1 for tests.
enum HostAddresses {
    static func discover(includeIPv6: Bool = true) -> [TransportAddress] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var result: [TransportAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0,
                  let sa = entry.pointee.ifa_addr else { continue }
            var storage = sockaddr_storage()
            let family = Int32(sa.pointee.sa_family)
            guard family == AF_INET || (includeIPv6 && family == AF_INET6) else { continue }
            let size = family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: size))
            }
            guard let address = TransportAddress(storage: storage) else { continue }
            if address.family == .ipv6, address.ip[0] == 0xfe, address.ip[1] & 0xc0 == 0x80 { continue }
            if !result.contains(address) { result.append(address) }
        }
        return result
    }
}
