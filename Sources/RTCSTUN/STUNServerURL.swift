import RTCCore

/// `stun:HOST[:PORT]` (RFC 7064 §3.1), HOST an IP literal (no name lookup); the port defaults to 3478.
public enum STUNServerURL {
    /// The server's address, or nil when `url` is not such a URL.
    public static func parse(_ url: String) -> TransportAddress? {
        guard url.hasPrefix("stun:") else { return nil }
        let rest = String(url.dropFirst(5))
        if let full = TransportAddress(rest) { return full }
        return TransportAddress(host: rest, port: 3478)
    }
}
