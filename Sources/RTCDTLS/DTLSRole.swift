/// Which side of the DTLS handshake this end plays.
///
/// RFC 8842 §5 maps the SDP `a=setup` attribute to the role: the endpoint that ends up `active`
/// sends the ClientHello (DTLS client), `passive` waits for it (DTLS server). An offer carries
/// `actpass`; the answerer picks `active` (RFC 8842 §5.3 recommends it), so the answerer is
/// normally the client.
package enum DTLSRole: Sendable, Equatable {
    /// `a=setup:active`: initiates the handshake.
    case client
    /// `a=setup:passive`: answers the handshake.
    case server

    /// The role for a local `a=setup` value after negotiation: `active` or `passive`.
    /// Returns nil for `actpass`/`holdconn`, which do not decide a role.
    init?(localSetup: String) {
        switch localSetup.lowercased() {
        case "active": self = .client
        case "passive": self = .server
        default: return nil
        }
    }

    /// The role the answerer takes given the remote (offerer's) setup value (RFC 8842 §5.3).
    static func forAnswerer(remoteSetup: String) -> DTLSRole {
        remoteSetup.lowercased() == "active" ? .server : .client
    }
}
