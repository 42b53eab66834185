import COpenSSL

/// Message digests over OpenSSL's `EVP_Digest`.
///
/// SHA-256 checks files end to end and fingerprints certificates; MD5 derives the TURN long-term
/// credential key (RFC 8489 §9.2.2: `MD5(username ":" OpaqueString(realm) ":" OpaqueString(password))`);
/// SHA-1 is here for completeness (RFC 8489 USERHASH uses SHA-256).
public enum Digest {
    /// SHA-1: 20 bytes.
    public static func sha1(_ data: [UInt8]) -> [UInt8] { digest(EVP_sha1(), data) }

    /// SHA-256: 32 bytes.
    public static func sha256(_ data: [UInt8]) -> [UInt8] { digest(EVP_sha256(), data) }

    /// MD5: 16 bytes. Only for the legacy TURN key derivation, never for security on its own.
    public static func md5(_ data: [UInt8]) -> [UInt8] { digest(EVP_md5(), data) }

    private static func digest(_ md: OpaquePointer?, _ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        let ok = withNonNullPointer(data, fallback: [0]) { d in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(d, data.count, o.baseAddress, &outLength, md, nil)
            }
        }
        precondition(ok == 1, "OpenSSL EVP_Digest failed")
        return Array(out.prefix(Int(outLength)))
    }
}
