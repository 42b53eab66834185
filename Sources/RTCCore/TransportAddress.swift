#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address and port: what STUN's address attributes carry (RFC 8489 §14.1, §14.2) and what
/// ICE calls a transport address (RFC 8445 §3).
///
/// The IP is kept in network byte order, 4 bytes for IPv4 and 16 for IPv6, so converting to a
/// `sockaddr_in`/`sockaddr_in6` is a copy. `description` is `127.0.0.1:3478` or `[::1]:3478`.
public struct TransportAddress: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// Address family, with the values STUN uses on the wire (RFC 8489 §14.1).
    public enum Family: UInt8, Hashable, Sendable {
        case ipv4 = 0x01
        case ipv6 = 0x02

        /// Address length in bytes.
        public var addressLength: Int { self == .ipv4 ? 4 : 16 }
    }

    /// The address in network byte order: 4 or 16 bytes.
    public let ip: [UInt8]
    public var port: UInt16

    /// An address from raw bytes; nil unless `ip` has 4 or 16 bytes.
    public init?(ip: [UInt8], port: UInt16) {
        guard ip.count == 4 || ip.count == 16 else { return nil }
        self.ip = ip
        self.port = port
    }

    /// An IPv4 address `a.b.c.d:port`.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        ip = [a, b, c, d]
        self.port = port
    }

    /// Parses an IP literal (no port) with `inet_pton`: `192.0.2.1`, `2001:db8::1`, or
    /// `[2001:db8::1]`. Zone suffixes (`%eth0`) are not accepted. Nil when it is not an IP literal.
    public init?(host: String, port: UInt16) {
        var h = Substring(host)
        if h.hasPrefix("["), h.hasSuffix("]") { h = h.dropFirst().dropLast() }
        if !h.utf8.contains(UInt8(ascii: ":")) {
            var a = in_addr()
            guard inet_pton(AF_INET, String(h), &a) == 1 else { return nil }
            let be = a.s_addr  // already network order in memory
            ip = withUnsafeBytes(of: be) { Array($0) }
        } else {
            var a = in6_addr()
            guard inet_pton(AF_INET6, String(h), &a) == 1 else { return nil }
            ip = withUnsafeBytes(of: a) { Array($0) }
        }
        self.port = port
    }

    /// Parses `host:port`, where host is an IPv4 literal or a bracketed IPv6 literal:
    /// `127.0.0.1:3478`, `[::1]:3478`. Nil for anything else (including host names).
    public init?(_ description: String) {
        let s = Substring(description)
        let hostPart: Substring
        let portPart: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { return nil }
            hostPart = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
            guard hostPart.utf8.contains(UInt8(ascii: ":")) else { return nil }
        } else {
            guard let colon = s.lastIndex(of: ":"), s.firstIndex(of: ":") == colon else { return nil }
            hostPart = s[..<colon]
            portPart = s[s.index(after: colon)...]
        }
        guard !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(portPart)
        else { return nil }
        self.init(host: String(hostPart), port: port)
    }

    public var family: Family { ip.count == 4 ? .ipv4 : .ipv6 }

    /// The IP alone, formatted by `inet_ntop`: `192.0.2.1`, `2001:db8::1` (RFC 5952 form).
    public var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let af = family == .ipv4 ? AF_INET : AF_INET6
        let ok = ip.withUnsafeBytes { src in
            buffer.withUnsafeMutableBufferPointer { dst in
                inet_ntop(af, src.baseAddress, dst.baseAddress, socklen_t(dst.count)) != nil
            }
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String {
        family == .ipv4 ? "\(host):\(port)" : "[\(host)]:\(port)"
    }
}
