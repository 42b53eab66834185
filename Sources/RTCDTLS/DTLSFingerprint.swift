import COpenSSL

/// A certificate fingerprint as carried in SDP `a=fingerprint:<hash-func> <hex>` (RFC 8122 §5,
/// used for DTLS-SRTP and data channels by RFC 5763 §5 and RFC 8842 §5).
///
/// The hex form is upper-case bytes joined by colons, e.g. `AB:CD:...`; parsing accepts either case
/// and the hash function name case-insensitively.
public struct DTLSFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// Hash functions accepted for verification. sha-256 is what WebRTC endpoints send
    /// (RFC 8827 §6.5 requires it); the others are accepted from peers that use them.
    public enum Algorithm: String, CaseIterable, Sendable {
        case sha1 = "sha-1"
        case sha256 = "sha-256"
        case sha384 = "sha-384"
        case sha512 = "sha-512"

        /// Digest size in bytes.
        public var digestLength: Int {
            switch self {
            case .sha1: return 20
            case .sha256: return 32
            case .sha384: return 48
            case .sha512: return 64
            }
        }

        /// Parses an SDP hash function token, case-insensitively.
        public init?(sdpName: String) {
            self.init(rawValue: sdpName.lowercased())
        }

        var evpDigest: OpaquePointer? {
            switch self {
            case .sha1: return EVP_sha1()
            case .sha256: return EVP_sha256()
            case .sha384: return EVP_sha384()
            case .sha512: return EVP_sha512()
            }
        }
    }

    public let algorithm: Algorithm
    public let bytes: [UInt8]

    /// - Throws: `DTLSError.invalidFingerprint` when `bytes` has the wrong length for `algorithm`.
    public init(algorithm: Algorithm, bytes: [UInt8]) throws {
        guard bytes.count == algorithm.digestLength else {
            throw DTLSError.invalidFingerprint(
                input: bytes.hexString,
                reason: "\(algorithm.rawValue) needs \(algorithm.digestLength) bytes, got \(bytes.count)")
        }
        self.algorithm = algorithm
        self.bytes = bytes
    }

    /// Parses the colon-separated hex form for a given algorithm: `AB:CD:...`.
    /// - Throws: `DTLSError.invalidFingerprint` on a malformed byte or wrong length.
    public init(algorithm: Algorithm, hex: String) throws {
        var out: [UInt8] = []
        out.reserveCapacity(algorithm.digestLength)
        for part in hex.split(separator: ":", omittingEmptySubsequences: false) {
            guard part.utf8.count == 2, let b = UInt8(part, radix: 16) else {
                throw DTLSError.invalidFingerprint(input: hex, reason: "'\(part)' is not a hex byte")
            }
            out.append(b)
        }
        do {
            try self.init(algorithm: algorithm, bytes: out)
        } catch {
            throw DTLSError.invalidFingerprint(
                input: hex, reason: "\(algorithm.rawValue) needs \(algorithm.digestLength) bytes, got \(out.count)")
        }
    }

    /// Parses the value of an SDP fingerprint attribute: `sha-256 AB:CD:...` (RFC 8122 §5).
    /// A leading `a=fingerprint:` or `fingerprint:` is tolerated.
    /// - Throws: `DTLSError.unsupportedHashFunction` or `.invalidFingerprint`.
    public init(sdpValue: String) throws {
        var text = Substring(sdpValue.trimmingSpaces)
        for prefix in ["a=fingerprint:", "fingerprint:"] where text.lowercased().hasPrefix(prefix) {
            text = text.dropFirst(prefix.count)
        }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 2 else {
            throw DTLSError.invalidFingerprint(input: sdpValue, reason: "expected '<hash-func> <hex>'")
        }
        guard let algorithm = Algorithm(sdpName: String(fields[0])) else {
            throw DTLSError.unsupportedHashFunction(String(fields[0]))
        }
        try self.init(algorithm: algorithm, hex: String(fields[1]))
    }

    /// Upper-case colon-separated hex, e.g. `AB:CD:...`.
    public var hexValue: String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3)
        for (i, b) in bytes.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The SDP attribute value: `sha-256 AB:CD:...`.
    public var sdpValue: String { "\(algorithm.rawValue) \(hexValue)" }

    public var description: String { sdpValue }

    /// Digest of an X509 certificate's DER encoding with `algorithm` (RFC 8122 §5).
    static func of(x509: OpaquePointer, algorithm: Algorithm) throws -> DTLSFingerprint {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(x509, algorithm.evpDigest, &digest, &length) == 1 else {
            throw DTLSError.openSSL("X509_digest")
        }
        return try DTLSFingerprint(algorithm: algorithm, bytes: Array(digest[0..<Int(length)]))
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
