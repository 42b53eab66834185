import RTCCore
import COpenSSL

/// The local identity for DTLS: a certificate and its private key (RFC 8827 §6.5: a fresh
/// self-signed certificate per connection or session is normal; the peer authenticates it by the
/// fingerprint in our SDP, not by a CA).
///
/// Generated certificates use ECDSA P-256, which Chromium, Firefox and aiortc all accept, with a
/// random 64-bit serial, CN "rtc" and a validity of one day back to thirty days ahead.
/// Instances are immutable after creation and safe to share between connections.
// @unchecked Sendable is safe: every property is a `let`; OpenSSL's X509/EVP_PKEY are only read after
// creation (SSL_CTX_use_* takes its own reference, thread-safe in OpenSSL 3) and freed once, in deinit.
public final class DTLSCertificate: @unchecked Sendable {
    /// `X509 *`, owned.
    let x509: OpaquePointer
    /// `EVP_PKEY *`, owned.
    let privateKey: OpaquePointer
    /// SHA-256 fingerprint of the DER certificate, as our SDP announces it.
    public let fingerprint: DTLSFingerprint

    private init(x509: OpaquePointer, privateKey: OpaquePointer) throws {
        self.x509 = x509
        self.privateKey = privateKey
        do {
            fingerprint = try DTLSFingerprint.of(x509: x509, algorithm: .sha256)
        } catch {
            X509_free(x509)
            EVP_PKEY_free(privateKey)
            throw error
        }
        guard X509_check_private_key(x509, privateKey) == 1 else {
            _ = drainOpenSSLErrors()
            throw DTLSError.keyDoesNotMatchCertificate
        }
    }

    deinit {
        X509_free(x509)
        EVP_PKEY_free(privateKey)
    }

    /// Generates a fresh ECDSA P-256 key and a self-signed certificate for it.
    /// - Parameters:
    ///   - commonName: subject and issuer CN.
    ///   - validDays: days the certificate stays valid from now (it is also backdated one day to
    ///     tolerate clock skew).
    /// - Throws: `DTLSError.openSSL` naming the failing call.
    public static func generate(commonName: String = "rtc", validDays: Int = 30) throws -> DTLSCertificate {
        Libraries.initOpenSSL()
        guard let key = rtc_EVP_EC_gen_P256() else { throw DTLSError.openSSL("EVP_EC_gen(P-256)") }
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw DTLSError.openSSL("X509_new")
        }
        do {
            try buildSelfSigned(x509: x509, key: key, commonName: commonName, validDays: validDays)
        } catch {
            X509_free(x509)
            EVP_PKEY_free(key)
            throw error
        }
        return try DTLSCertificate(x509: x509, privateKey: key)
    }

    private static func buildSelfSigned(x509: OpaquePointer, key: OpaquePointer, commonName: String,
                                        validDays: Int) throws {
        guard X509_set_version(x509, 2) == 1 else { throw DTLSError.openSSL("X509_set_version") }
        // Random positive serial (RFC 5280 §4.1.2.2: at most 20 octets, non-negative).
        var serialBytes = [UInt8](repeating: 0, count: 8)
        guard RAND_bytes(&serialBytes, Int32(serialBytes.count)) == 1 else { throw DTLSError.openSSL("RAND_bytes") }
        serialBytes[0] &= 0x7f
        guard let bn = BN_bin2bn(serialBytes, Int32(serialBytes.count), nil) else {
            throw DTLSError.openSSL("BN_bin2bn")
        }
        defer { BN_free(bn) }
        guard BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil else {
            throw DTLSError.openSSL("BN_to_ASN1_INTEGER")
        }
        guard X509_gmtime_adj(X509_getm_notBefore(x509), -86_400) != nil,
            X509_gmtime_adj(X509_getm_notAfter(x509), 86_400 * validDays) != nil
        else { throw DTLSError.openSSL("X509_gmtime_adj") }
        guard X509_set_pubkey(x509, key) == 1 else { throw DTLSError.openSSL("X509_set_pubkey") }
        guard let name = X509_get_subject_name(x509),
            X509_NAME_add_entry_by_txt(name, "CN", rtc_MBSTRING_ASC(), commonName, -1, -1, 0) == 1
        else { throw DTLSError.openSSL("X509_NAME_add_entry_by_txt") }
        guard X509_set_issuer_name(x509, name) == 1 else { throw DTLSError.openSSL("X509_set_issuer_name") }
        guard X509_sign(x509, key, EVP_sha256()) > 0 else { throw DTLSError.openSSL("X509_sign") }
    }

    /// Loads a certificate and private key from PEM text (`--cert`/`--key` contents).
    /// - Throws: `DTLSError.invalidPEM` when either does not parse, `.keyDoesNotMatchCertificate`.
    public convenience init(pemCertificate: String, pemPrivateKey: String) throws {
        let x509 = try Self.withMemoryBIO(pemCertificate, name: "certificate") { bio in
            PEM_read_bio_X509(bio, nil, nil, nil)
        }
        let key: OpaquePointer
        do {
            key = try Self.withMemoryBIO(pemPrivateKey, name: "private key") { bio in
                PEM_read_bio_PrivateKey(bio, nil, nil, nil)
            }
        } catch {
            X509_free(x509)
            throw error
        }
        try self.init(x509: x509, privateKey: key)
    }

    /// Loads a certificate and private key from PEM files, as given by `--cert` and `--key`.
    /// - Throws: `DTLSError.invalidPEM` naming the file, `.keyDoesNotMatchCertificate`.
    public convenience init(certificateFile: String, keyFile: String) throws {
        let certText = try Self.readFile(certificateFile)
        let keyText = try Self.readFile(keyFile)
        do {
            try self.init(pemCertificate: certText, pemPrivateKey: keyText)
        } catch DTLSError.invalidPEM(let what, let reason) {
            throw DTLSError.invalidPEM(path: what == "certificate" ? certificateFile : keyFile, reason: reason)
        }
    }

    /// The certificate in PEM form (`-----BEGIN CERTIFICATE-----`).
    public var pemCertificate: String {
        Self.writePEM { bio in PEM_write_bio_X509(bio, x509) }
    }

    /// The private key in unencrypted PKCS#8 PEM form (`-----BEGIN PRIVATE KEY-----`).
    /// - Warning: secret material; write it only to files with restrictive permissions.
    public var pemPrivateKey: String {
        Self.writePEM { bio in PEM_write_bio_PrivateKey(bio, privateKey, nil, nil, 0, nil, nil) }
    }

    /// The DER encoding of the certificate.
    public var derCertificate: [UInt8] {
        let length = i2d_X509(x509, nil)
        guard length > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(length))
        out.withUnsafeMutableBufferPointer { buffer in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            _ = i2d_X509(x509, &cursor)
        }
        return out
    }

    /// The fingerprint with another hash function (for peers that announce sha-1/384/512).
    public func fingerprint(_ algorithm: DTLSFingerprint.Algorithm) -> DTLSFingerprint {
        // Digesting a valid certificate with a built-in hash cannot fail short of memory exhaustion.
        (try? DTLSFingerprint.of(x509: x509, algorithm: algorithm)) ?? fingerprint
    }

    private static func readFile(_ path: String) throws -> String {
        guard let bio = BIO_new_file(path, "r") else {
            throw DTLSError.invalidPEM(path: path, reason: drainOpenSSLErrors(fallback: "cannot open"))
        }
        defer { BIO_free(bio) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = BIO_read(bio, &chunk, Int32(chunk.count))
            if n <= 0 { break }
            text.append(contentsOf: chunk[0..<Int(n)])
            if text.count > 1 << 20 { throw DTLSError.invalidPEM(path: path, reason: "file larger than 1 MiB") }
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func withMemoryBIO(_ text: String, name: String,
                                      _ body: (OpaquePointer) -> OpaquePointer?) throws -> OpaquePointer {
        let bytes = Array(text.utf8)
        guard let bio = BIO_new(BIO_s_mem()) else { throw DTLSError.openSSL("BIO_new") }
        defer { BIO_free(bio) }
        if !bytes.isEmpty { _ = BIO_write(bio, bytes, Int32(bytes.count)) }
        guard let object = body(bio) else {
            throw DTLSError.invalidPEM(path: name, reason: drainOpenSSLErrors(fallback: "no PEM \(name) found"))
        }
        return object
    }

    private static func writePEM(_ body: (OpaquePointer) -> Int32) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        guard body(bio) == 1 else { return "" }
        let pending = Int(rtc_BIO_ctrl_pending(bio))
        var out = [UInt8](repeating: 0, count: pending)
        let n = BIO_read(bio, &out, Int32(pending))
        return String(decoding: out.prefix(max(0, Int(n))), as: UTF8.self)
    }
}
