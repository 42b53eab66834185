#if canImport(Glibc)
import Glibc
#endif
/// TEMPORARY stand-in (replaced by the STUN branch's type on merge).
public struct TransportAddress: Hashable, CustomStringConvertible {
    public var ipBytes: [UInt8]
    public var port: UInt16
    public init?(ipBytes: [UInt8], port: UInt16) {
        guard ipBytes.count == 4 || ipBytes.count == 16 else { return nil }
        self.ipBytes = ipBytes
        self.port = port
    }
    public var isIPv6: Bool { ipBytes.count == 16 }
    public var ipString: String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = ipBytes.withUnsafeBytes { inet_ntop(isIPv6 ? AF_INET6 : AF_INET, $0.baseAddress, &buf, 64) }
        return String(cString: buf)
    }
    public var description: String { isIPv6 ? "[\(ipString)]:\(port)" : "\(ipString):\(port)" }
    public init?(ip: String, port: UInt16) {
        var b4 = in_addr(), b6 = in6_addr()
        if inet_pton(AF_INET, ip, &b4) == 1 {
            self.init(ipBytes: withUnsafeBytes(of: b4) { Array($0) }, port: port)
        } else if inet_pton(AF_INET6, ip, &b6) == 1 {
            self.init(ipBytes: withUnsafeBytes(of: b6) { Array($0) }, port: port)
        } else { return nil }
    }
}
