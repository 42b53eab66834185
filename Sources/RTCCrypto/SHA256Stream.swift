import COpenSSL

/// Incremental SHA-256 for data that arrives in pieces (file transfer checks end to end,
/// DESIGN §3 `rtc send`/`listen`). A class because it owns an OpenSSL `EVP_MD_CTX`.
public final class SHA256Stream {
    private let context: OpaquePointer
    private var finished = false

    public init() {
        context = EVP_MD_CTX_new()
        // Called outside `precondition`: a build with -Ounchecked drops the condition's
        // evaluation, which once left the context uninitialised (all-zero digests).
        let ok = EVP_DigestInit_ex(context, EVP_sha256(), nil)
        precondition(ok == 1, "EVP_DigestInit_ex failed")
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds more bytes. Ignored after `finalize()`.
    public func update(_ bytes: [UInt8]) {
        guard !finished, !bytes.isEmpty else { return }
        bytes.withUnsafeBufferPointer { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
    }

    /// The 32-byte digest of everything fed so far; the stream cannot be fed afterwards.
    public func finalize() -> [UInt8] {
        precondition(!finished, "SHA256Stream finalized twice")
        finished = true
        var out = [UInt8](repeating: 0, count: 32)
        var n: UInt32 = 0
        out.withUnsafeMutableBufferPointer { _ = EVP_DigestFinal_ex(context, $0.baseAddress, &n) }
        return out
    }
}
