/// Lifecycle of a `DTLSTransport` (mirrors W3C `RTCDtlsTransportState`).
package enum DTLSTransportState: Equatable, Sendable {
    /// Created; `start()` not yet called.
    case new
    /// Handshake under way (RFC 6347 §4.2).
    case connecting
    /// Handshake done and the peer's fingerprint verified; application data flows.
    case connected
    /// Closed by `close()` or by the peer's close_notify (RFC 5246 §7.2.1).
    case closed
    /// Failed for good; no more data goes up or down.
    case failed(DTLSError)

    /// True for `closed` and `failed`, from which no transition leads out.
    package var isTerminal: Bool {
        switch self {
        case .closed, .failed: return true
        default: return false
        }
    }

    /// Whether moving from `self` to `next` is allowed: new → connecting → connected → closed,
    /// any non-terminal state → closed or failed.
    func canTransition(to next: DTLSTransportState) -> Bool {
        switch (self, next) {
        case (.new, .connecting), (.connecting, .connected): return true
        case (.new, .closed), (.connecting, .closed), (.connected, .closed): return true
        case (.new, .failed), (.connecting, .failed), (.connected, .failed): return true
        default: return false
        }
    }
}
