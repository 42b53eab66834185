import RTCCore
#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket

/// The multicast DNS sockets of one resolver: IPv4 and IPv6, bound to port 5353 with
/// SO_REUSEADDR/SO_REUSEPORT beside any other responder on the host, members of 224.0.0.251 and
/// ff02::fb on the chosen interfaces (RFC 6762 §3, §5.2).
///
/// Port 5353 and the group memberships are needed because responders answer with multicast:
/// Chromium answers a QM question to 224.0.0.251:5353 and ignores QU questions, whatever the
/// query's source port (RFC 6762 §5.1's unicast reply to one-shot queries is a MUST it skips).
/// When 5353 cannot be bound the sockets fall back to a free port and hear unicast answers only.
public final class MDNSSocket: MDNSTransport {
    public struct Configuration: Sendable {
        /// Local port; 5353 to hear multicast answers, 0 (a free port) in tests.
        public var port: UInt16 = 5353
        /// Where queries go; nil means the mDNS groups on every chosen interface. Tests set a
        /// unicast loopback responder here.
        public var destinations: [TransportAddress]?
        /// Query only on the interfaces holding one of these addresses (`--ice-host`); nil means
        /// every interface that is up and multicast-capable.
        public var interfaceAddresses: [TransportAddress]?

        public init(port: UInt16 = 5353, destinations: [TransportAddress]? = nil,
                    interfaceAddresses: [TransportAddress]? = nil) {
            self.port = port
            self.destinations = destinations
            self.interfaceAddresses = interfaceAddresses
        }
    }

    /// 224.0.0.251:5353 and [ff02::fb]:5353 (RFC 6762 §3).
    public static let groupIPv4 = TransportAddress(ipv4: 224, 0, 0, 251, port: 5353)
    public static let groupIPv6 = TransportAddress(ip: [0xff, 0x02] + [UInt8](repeating: 0, count: 13) + [0xfb], port: 5353)!

    public var onMessage: (([UInt8], TransportAddress) -> Void)?
    private let loop: EventLoop
    private let configuration: Configuration
    private var sockets: [(fd: Int32, family: TransportAddress.Family)] = []
    /// Interface indexes queries go out on, per family.
    private var interfaces: [TransportAddress.Family: [UInt32]] = [:]
    private var closed = false

    /// Opens the sockets that can be opened (an IPv6-less host gets an IPv4 socket only).
    /// - Throws: `SocketError` when no socket at all can be opened.
    public init(loop: EventLoop, configuration: Configuration = Configuration()) throws {
        self.loop = loop
        self.configuration = configuration
        let wanted = Self.multicastInterfaces(holding: configuration.interfaceAddresses)
        var lastError: Error?
        for family in [TransportAddress.Family.ipv4, .ipv6] {
            if let dests = configuration.destinations, !dests.contains(where: { $0.family == family }) { continue }
            do {
                let fd = try Self.open(family: family, port: configuration.port)
                var joined: [UInt32] = []
                if configuration.destinations == nil {
                    for index in wanted[family] ?? [] where Self.join(fd: fd, family: family, interface: index) {
                        joined.append(index)
                    }
                    if joined.isEmpty { Glibc.close(fd); continue }  // no interface of this family
                }
                interfaces[family] = joined
                sockets.append((fd, family))
                loop.register(fd: fd) { [weak self] in self?.drain(fd) }
            } catch {
                lastError = error
            }
        }
        if sockets.isEmpty {
            throw lastError ?? SocketError.system("mDNS: no multicast interface", ENODEV)
        }
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        for s in sockets {
            loop.unregister(fd: s.fd)
            Glibc.close(s.fd)
        }
    }

    public func sendQuery(_ bytes: [UInt8]) {
        guard !closed else { return }
        for s in sockets {
            if let dests = configuration.destinations {
                for d in dests where d.family == s.family { sendto(fd: s.fd, bytes, d, scope: 0) }
                continue
            }
            for index in interfaces[s.family] ?? [] {
                if s.family == .ipv4 {
                    var mreq = ip_mreqn()
                    mreq.imr_ifindex = Int32(index)
                    setsockopt(s.fd, Int32(IPPROTO_IP), IP_MULTICAST_IF, &mreq, socklen_t(MemoryLayout<ip_mreqn>.size))
                    sendto(fd: s.fd, bytes, Self.groupIPv4, scope: 0)
                } else {
                    sendto(fd: s.fd, bytes, Self.groupIPv6, scope: index)
                }
            }
        }
    }

    private func sendto(fd: Int32, _ bytes: [UInt8], _ to: TransportAddress, scope: UInt32) {
        let n: Int
        if to.family == .ipv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = to.port.bigEndian
            sa.sin6_scope_id = scope
            withUnsafeMutableBytes(of: &sa.sin6_addr) { raw in for (i, b) in to.ip.enumerated() { raw[i] = b } }
            n = withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.sendto(fd, bytes, bytes.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            n = to.withSockAddr { Glibc.sendto(fd, bytes, bytes.count, Int32(MSG_DONTWAIT), $0, $1) }
        }
        if n < 0 { Log.debug("query to \(to) (interface \(scope)) not sent: \(String(cString: strerror(errno)))", "mdns") }
    }

    private func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 9000)
        // Bounded per wake-up so a flood of multicast cannot starve the loop.
        for _ in 0..<32 {
            guard !closed else { return }
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { buf in
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, buf.baseAddress, buf.count, Int32(MSG_DONTWAIT), $0, &len)
                    }
                }
            }
            guard n >= 0 else { return }
            guard let from = TransportAddress(storage: storage) else { continue }
            onMessage?(Array(buffer[0..<n]), from)
        }
    }

    // MARK: - Setup

    private static func open(family: TransportAddress.Family, port: UInt16) throws -> Int32 {
        let fd = rtc_udp_socket(family == .ipv4 ? AF_INET : AF_INET6)
        guard fd >= 0 else { throw SocketError.system("mDNS socket", errno) }
        var on: Int32 = 1
        let intSize = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, intSize)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, intSize)
        // RFC 6762 §11: mDNS packets go out with IP TTL / hop limit 255.
        var ttl: Int32 = 255
        if family == .ipv6 {
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, intSize)
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &ttl, intSize)
        } else {
            setsockopt(fd, Int32(IPPROTO_IP), IP_MULTICAST_TTL, &ttl, intSize)
        }
        let any = family == .ipv4 ? TransportAddress(ipv4: 0, 0, 0, 0, port: port)
            : TransportAddress(ip: [UInt8](repeating: 0, count: 16), port: port)!
        if any.withSockAddr({ bind(fd, $0, $1) }) == 0 { return fd }
        let e = errno
        // Someone holds 5353 without SO_REUSEADDR: a free port still hears unicast answers.
        if port != 0, TransportAddress(ip: any.ip, port: 0)!.withSockAddr({ bind(fd, $0, $1) }) == 0 {
            Log.debug("port \(port) busy (\(String(cString: strerror(e)))): multicast answers will not be heard", "mdns")
            return fd
        }
        Glibc.close(fd)
        throw SocketError.system("mDNS bind", e)
    }

    private static func join(fd: Int32, family: TransportAddress.Family, interface: UInt32) -> Bool {
        if family == .ipv4 {
            var mreq = ip_mreqn()
            mreq.imr_multiaddr.s_addr = groupIPv4.ip.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            mreq.imr_ifindex = Int32(interface)
            return setsockopt(fd, Int32(IPPROTO_IP), IP_ADD_MEMBERSHIP, &mreq, socklen_t(MemoryLayout<ip_mreqn>.size)) == 0
        }
        var mreq = ipv6_mreq()
        withUnsafeMutableBytes(of: &mreq.ipv6mr_multiaddr) { raw in for (i, b) in groupIPv6.ip.enumerated() { raw[i] = b } }
        mreq.ipv6mr_interface = interface
        return setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_ADD_MEMBERSHIP, &mreq, socklen_t(MemoryLayout<ipv6_mreq>.size)) == 0
    }

    /// Indexes of up, multicast-capable interfaces with an address of each family; with `holding`
    /// only those that carry one of those addresses.
    static func multicastInterfaces(holding: [TransportAddress]?) -> [TransportAddress.Family: [UInt32]] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [:] }
        defer { freeifaddrs(head) }
        var all: [(index: UInt32, address: TransportAddress)] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            let flags = Int32(entry.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_MULTICAST) != 0, let sa = entry.pointee.ifa_addr,
                  let name = entry.pointee.ifa_name else { continue }
            let family = Int32(sa.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var storage = sockaddr_storage()
            let size = family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: size)) }
            guard let address = TransportAddress(storage: storage) else { continue }
            all.append((if_nametoindex(name), address))
        }
        let chosen = Set(all.filter { entry in
            holding.map { list in list.contains { $0.ip == entry.address.ip } } ?? true
        }.map(\.index))
        var result: [TransportAddress.Family: [UInt32]] = [:]
        for entry in all where chosen.contains(entry.index) && entry.index != 0 {
            if !(result[entry.address.family] ?? []).contains(entry.index) {
                result[entry.address.family, default: []].append(entry.index)
            }
        }
        return result
    }
}
