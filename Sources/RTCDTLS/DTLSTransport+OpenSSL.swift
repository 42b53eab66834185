import COpenSSL

/// OpenSSL context and connection setup for `DTLSTransport`, and the C callbacks it installs.
extension DTLSTransport {
    struct SSLObjects {
        var context: OpaquePointer
        var ssl: OpaquePointer
        var readBIO: OpaquePointer
        var writeBIO: OpaquePointer
    }

    static func makeSSL(_ configuration: Configuration) throws -> SSLObjects {
        ERR_clear_error()
        let context: OpaquePointer
        if let prepared = configuration.preparedContext, prepared.fits(configuration) {
            // Shared with the DTLSContext object; each owner frees its reference.
            SSL_CTX_up_ref(prepared.pointer)
            context = prepared.pointer
        } else {
            guard let made = SSL_CTX_new(DTLS_method()) else { throw DTLSError.openSSL("SSL_CTX_new") }
            do {
                try configure(context: made, configuration)
            } catch {
                SSL_CTX_free(made)
                throw error
            }
            context = made
        }
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw DTLSError.openSSL("SSL_new")
        }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            SSL_CTX_free(context)
            throw DTLSError.openSSL("BIO_new")
        }
        // An empty memory BIO means "try again later", not end of file.
        _ = rtc_BIO_set_mem_eof_return(readBIO, -1)
        _ = rtc_BIO_set_mem_eof_return(writeBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)
        _ = rtc_SSL_set_options_no_query_mtu(ssl)
        guard rtc_SSL_set_mtu(ssl, configuration.mtu) > 0, rtc_DTLS_set_link_mtu(ssl, configuration.mtu) > 0 else {
            SSL_free(ssl)
            SSL_CTX_free(context)
            throw DTLSError.openSSL(operation: "SSL_set_mtu(\(configuration.mtu))", reason: drainOpenSSLErrors())
        }
        switch configuration.role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        return SSLObjects(context: context, ssl: ssl, readBIO: readBIO, writeBIO: writeBIO)
    }

    private static func configure(context: OpaquePointer, _ configuration: Configuration) throws {
        try configure(context: context, cipherList: configuration.cipherList, certificate: configuration.certificate,
                      srtpProfiles: configuration.srtpProfiles)
    }

    static func configure(context: OpaquePointer, cipherList: String, certificate: DTLSCertificate,
                                  srtpProfiles: [SRTPProtectionProfile]) throws {
        guard rtc_SSL_CTX_set_dtls12_only(context) == 1 else { throw DTLSError.openSSL("set DTLS 1.2 only") }
        rtc_SSL_CTX_set_dtls_options(context)
        guard SSL_CTX_set_cipher_list(context, cipherList) == 1 else {
            throw DTLSError.openSSL("SSL_CTX_set_cipher_list")
        }
        guard rtc_SSL_CTX_set1_groups_list(context, "X25519:P-256:P-384") == 1 else {
            throw DTLSError.openSSL("SSL_CTX_set1_groups_list")
        }
        guard SSL_CTX_use_certificate(context, certificate.x509) == 1 else {
            throw DTLSError.openSSL("SSL_CTX_use_certificate")
        }
        guard SSL_CTX_use_PrivateKey(context, certificate.privateKey) == 1,
            SSL_CTX_check_private_key(context) == 1
        else { throw DTLSError.openSSL("SSL_CTX_use_PrivateKey") }
        // Ask for and require the peer's certificate; its trust comes from the SDP fingerprint.
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, dtlsVerifyCallback)
        if !srtpProfiles.isEmpty {
            let names = srtpProfiles.map(\.openSSLName).joined(separator: ":")
            // Returns 0 on success, unlike most OpenSSL calls.
            guard SSL_CTX_set_tlsext_use_srtp(context, names) == 0 else {
                throw DTLSError.openSSL("SSL_CTX_set_tlsext_use_srtp(\(names))")
            }
        }
        _ = rtc_SSL_CTX_set_read_ahead(context, 1)
    }}

/// The transport an `SSL *` belongs to (ex_data slot 0, set in `init`).
private func transport(of ssl: OpaquePointer?) -> DTLSTransport? {
    guard let ssl, let pointer = SSL_get_ex_data(ssl, 0) else { return nil }
    return Unmanaged<DTLSTransport>.fromOpaque(pointer).takeUnretainedValue()
}

/// OpenSSL's certificate verify callback. Chain errors (self-signed, unknown issuer) are expected
/// in WebRTC, so only the leaf's fingerprint decides (RFC 8122 §5).
private func dtlsVerifyCallback(_ preverifyOK: Int32, _ store: OpaquePointer?) -> Int32 {
    guard let store else { return 0 }
    guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
    guard let sslPointer = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
        let owner = transport(of: OpaquePointer(sslPointer)),
        let leaf = X509_STORE_CTX_get_current_cert(store)
    else { return 0 }
    guard owner.verifyPeerCertificate(leaf) else {
        // Makes OpenSSL send bad_certificate rather than unknown_ca (RFC 5246 §7.2.2).
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
        return 0
    }
    return 1
}

/// OpenSSL's DTLS timer callback (`DTLS_set_timer_cb`): called with 0 when a flight's timer
/// starts, then with the last value at each expiry; returns the next timeout in microseconds.
func dtlsTimerCallback(_ ssl: OpaquePointer?, _ previousMicros: UInt32) -> UInt32 {
    transport(of: ssl)?.nextRetransmitTimeout(after: previousMicros) ?? 1_000_000
}

extension DTLSTransport {
    /// The first timeout of a flight (`initialTimeoutMicros`), then doubling up to 60 s
    /// (RFC 6347 §4.2.4.1).
    func nextRetransmitTimeout(after previousMicros: UInt32) -> UInt32 {
        if previousMicros == 0 { return initialTimeoutMicros }
        return min(previousMicros.multipliedReportingOverflow(by: 2).partialValue, 60_000_000)
    }
}
