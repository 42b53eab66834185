import RTCCore

/// `turn:HOST[:PORT][?transport=udp]` (RFC 7065 §3.1), HOST an IP literal, the port defaulting
/// to 3478; only UDP (`?transport=udp` is accepted, other transports are not).
public enum TURNServerURL {
    /// The server's address, or nil when `url` is not such a URL.
    public static func parse(_ url: String) -> TransportAddress? {
        guard url.hasPrefix("turn:") else { return nil }
        var rest = Substring(url.dropFirst(5))
        if let q = rest.firstIndex(of: "?") {
            guard rest[q...].lowercased() == "?transport=udp" else { return nil }
            rest = rest[..<q]
        }
        if let full = TransportAddress(String(rest)) { return full }
        return TransportAddress(host: String(rest), port: 3478)
    }
}
