import COpenSSL

/// Errors of the DTLS layer: certificates, fingerprints and the DTLS 1.2 handshake (RFC 6347).
public enum DTLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An OpenSSL call failed; `reason` holds the drained OpenSSL error queue as readable text.
    case openSSL(operation: String, reason: String)
    /// A fingerprint string is not `<hash-func> XX:XX:...` (RFC 8122 §5); `input` is what was given.
    case invalidFingerprint(input: String, reason: String)
    /// A hash function name outside sha-1, sha-256, sha-384, sha-512.
    case unsupportedHashFunction(String)
    /// A certificate or key file could not be read or parsed.
    case invalidPEM(path: String, reason: String)
    /// The private key does not belong to the certificate.
    case keyDoesNotMatchCertificate
    /// No expected remote fingerprint was configured, so the peer cannot be authenticated (RFC 8842 §5.1).
    case missingRemoteFingerprint
    /// The peer presented no certificate.
    case noPeerCertificate
    /// The peer's certificate digest matches none of the fingerprints from its SDP (RFC 8122 §5).
    case fingerprintMismatch(expected: [String], actual: String)
    /// The handshake failed inside OpenSSL (alert received or sent, protocol error).
    case handshakeFailed(reason: String)
    /// The handshake did not finish within the configured time.
    case handshakeTimeout
    /// The established session failed (fatal alert, decrypt error).
    case connectionFailed(reason: String)

    public var description: String {
        switch self {
        case let .openSSL(operation, reason): return "OpenSSL \(operation) failed: \(reason)"
        case let .invalidFingerprint(input, reason): return "invalid fingerprint '\(input)': \(reason)"
        case let .unsupportedHashFunction(name): return "unsupported fingerprint hash function '\(name)'"
        case let .invalidPEM(path, reason): return "cannot load PEM '\(path)': \(reason)"
        case .keyDoesNotMatchCertificate: return "private key does not match the certificate"
        case .missingRemoteFingerprint: return "no remote DTLS fingerprint configured"
        case .noPeerCertificate: return "peer presented no certificate"
        case let .fingerprintMismatch(expected, actual):
            return "peer certificate fingerprint \(actual) matches none of the expected: "
                + expected.joined(separator: ", ")
        case let .handshakeFailed(reason): return "DTLS handshake failed: \(reason)"
        case .handshakeTimeout: return "DTLS handshake timed out"
        case let .connectionFailed(reason): return "DTLS connection failed: \(reason)"
        }
    }
}

/// Reads and clears OpenSSL's thread-local error queue, joining entries with "; ".
/// Returns `fallback` when the queue is empty.
func drainOpenSSLErrors(fallback: String = "unknown error") -> String {
    var parts: [String] = []
    var buffer = [CChar](repeating: 0, count: 256)
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        ERR_error_string_n(code, &buffer, buffer.count)
        parts.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
    return parts.isEmpty ? fallback : parts.joined(separator: "; ")
}

extension DTLSError {
    /// An `.openSSL` error carrying the current OpenSSL error queue.
    static func openSSL(_ operation: String) -> DTLSError {
        .openSSL(operation: operation, reason: drainOpenSSLErrors())
    }
}
