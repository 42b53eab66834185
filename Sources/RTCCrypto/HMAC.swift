import COpenSSL

/// Keyed-hash message authentication codes (RFC 2104) over OpenSSL's one-shot `HMAC()`.
///
/// STUN's MESSAGE-INTEGRITY uses HMAC-SHA1 (RFC 8489 §14.5) and MESSAGE-INTEGRITY-SHA256 uses
/// HMAC-SHA256 (RFC 8489 §14.6).
package enum HMAC {
    /// HMAC-SHA1: a 20-byte tag.
    package static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        compute(EVP_sha1(), size: 20, key: key, message: message)
    }

    /// HMAC-SHA256: a 32-byte tag.
    package static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        compute(EVP_sha256(), size: 32, key: key, message: message)
    }

    private static func compute(_ md: OpaquePointer?, size: Int, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var outLength: UInt32 = 0
        // OpenSSL treats a NULL key as "reuse the previous key"; hand it a real (empty) buffer instead.
        let dummy: [UInt8] = [0]
        let ok = withNonNullPointer(key, fallback: dummy) { k in
            withNonNullPointer(message, fallback: dummy) { m in
                out.withUnsafeMutableBufferPointer { o in
                    COpenSSL.HMAC(md, k, Int32(key.count), m, message.count, o.baseAddress, &outLength) != nil
                }
            }
        }
        precondition(ok && Int(outLength) == size, "OpenSSL HMAC failed")
        return Array(out.prefix(size))
    }
}

/// Calls `body` with a pointer that is never NULL, even for an empty array (OpenSSL dislikes NULL).
func withNonNullPointer<R>(_ bytes: [UInt8], fallback: [UInt8], _ body: (UnsafePointer<UInt8>) -> R) -> R {
    let source = bytes.isEmpty ? fallback : bytes
    return source.withUnsafeBufferPointer { body($0.baseAddress!) }
}
