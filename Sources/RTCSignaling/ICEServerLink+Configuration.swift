#if canImport(Glibc)
import Glibc
#endif
import RTC

extension PeerConnection.Configuration {
    /// Takes the STUN/TURN servers a WHIP/WHEP endpoint offered (RFC 9725 §4.6) that this stack
    /// can use: `stun:` and `turn:` over UDP, a host name resolved here (IPv4 first). Others
    /// (`stuns:`, `turns:`, TURN over TCP, a TURN server without a password) are skipped, named
    /// with `verbose`.
    /// - Parameter log: told which servers are used and which skipped, when given.
    public mutating func adopt(_ links: [ICEServerLink], log: ((String) -> Void)? = nil) {
        let verbose = log != nil
        for link in links {
            let lower = link.url.lowercased()
            if lower.hasPrefix("stun:"), let address = Self.resolve(String(link.url.dropFirst(5)), query: nil) {
                stunServers.append(address)
            } else if lower.hasPrefix("turn:"), let user = link.username, let pass = link.credential,
                      link.credentialType == nil || link.credentialType?.lowercased() == "password" {
                var rest = Substring(link.url.dropFirst(5))
                var query: Substring?
                if let q = rest.firstIndex(of: "?") {
                    query = rest[rest.index(after: q)...]
                    rest = rest[..<q]
                }
                guard let address = Self.resolve(String(rest), query: query) else {
                    if verbose { log?("ICE server \(link.url) skipped (UDP TURN only, or host not found)") }
                    continue
                }
                turnServers.append(ICEAgent.TURNServer(address: address, username: user, password: pass))
            } else {
                if verbose { log?("ICE server \(link.url) skipped (not stun:/turn: over UDP with a password)") }
                continue
            }
            if verbose { log?("using ICE server \(link.url)") }
        }
    }

    /// `HOST[:PORT]` (port 3478 by default), with a `?transport=` query that must say udp.
    private static func resolve(_ hostPort: String, query: Substring?) -> TransportAddress? {
        if let query, query.lowercased() != "transport=udp" { return nil }
        if let literal = TransportAddress(hostPort) { return literal }
        if let literal = TransportAddress(host: hostPort, port: 3478) { return literal }
        var host = Substring(hostPort)
        var port: UInt16 = 3478
        if let colon = host.lastIndex(of: ":"), let p = UInt16(host[host.index(after: colon)...]) {
            port = p
            host = host[..<colon]
        }
        guard !host.isEmpty else { return nil }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(String(host), nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(first) }
        var found: [TransportAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(n.pointee.ai_addr, n.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0,
               let a = TransportAddress(host: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: port) {
                found.append(a)
            }
            node = n.pointee.ai_next
        }
        return found.first { $0.family == .ipv4 } ?? found.first
    }
}
