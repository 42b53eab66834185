import COpenSSL

/// An OpenSSL context set up for one certificate with the default settings, made before the
/// connection that uses it: `SSL_CTX_new` and its configuration cost ~0.3 ms (OpenSSL 3.0), which
/// otherwise fall between the remote description and the first DTLS flight (issue 12).
package final class DTLSContext: @unchecked Sendable {
    // Sendable: nothing changes the context after `init`; OpenSSL counts its references
    // atomically and lets `SSL_new` use it from any thread.
    let pointer: OpaquePointer
    let certificate: DTLSCertificate

    /// - Throws: `DTLSError.openSSL` when OpenSSL refuses the context or the certificate.
    package init(certificate: DTLSCertificate) throws {
        ERR_clear_error()
        guard let context = SSL_CTX_new(DTLS_method()) else { throw DTLSError.openSSL("SSL_CTX_new") }
        do {
            try DTLSTransport.configure(context: context, cipherList: DTLSTransport.defaultCipherList,
                                        certificate: certificate, srtpProfiles: DTLSTransport.defaultSRTPProfiles)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        pointer = context
        self.certificate = certificate
    }

    deinit { SSL_CTX_free(pointer) }

    /// Whether a connection set up with `configuration` would have made this same context.
    func fits(_ configuration: DTLSTransport.Configuration) -> Bool {
        configuration.certificate === certificate && configuration.cipherList == DTLSTransport.defaultCipherList
            && configuration.srtpProfiles == DTLSTransport.defaultSRTPProfiles
    }
}
