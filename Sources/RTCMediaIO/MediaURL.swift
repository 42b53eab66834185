import RTCCore

/// Where media comes from or goes to (`--video-in`, `--audio-out`, ...): RTP datagrams on a UDP
/// port, or a file of frames (IVF, Ogg Opus, H.264 Annex B).
public enum MediaURL: Equatable, Sendable, CustomStringConvertible {
    /// `udp://HOST:PORT`: a source binds it and reads RTP sent there; a sink sends RTP to it.
    case udp(TransportAddress)
    /// A file path (anything that is not `udp://`; `file://` is stripped).
    case file(String)

    /// Parses `udp://HOST:PORT` (HOST an IP literal, IPv6 in brackets) or a path; nil for a
    /// `udp://` URL without a usable address, or an empty path.
    public init?(_ text: String) {
        if text.hasPrefix("udp://") {
            guard let address = TransportAddress(String(text.dropFirst(6))), address.port != 0 else { return nil }
            self = .udp(address)
        } else {
            let path = text.hasPrefix("file://") ? String(text.dropFirst(7)) : text
            guard !path.isEmpty else { return nil }
            self = .file(path)
        }
    }

    public var description: String {
        switch self {
        case let .udp(a): return "udp://\(a)"
        case let .file(p): return p
        }
    }
}
