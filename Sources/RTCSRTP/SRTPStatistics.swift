/// Packet counters of an `SRTPSession`, RTP and SRTCP together.
///
/// Every packet handed to the session lands in exactly one counter.
public struct SRTPStatistics: Equatable, Sendable {
    /// Packets protected for sending.
    public var protected = 0
    /// Packets that passed authentication and the replay check, decrypted.
    public var unprotected = 0
    /// Inbound packets whose tag did not verify (tampered, wrong key): dropped.
    public var authenticationFailures = 0
    /// Inbound packets whose index was seen before or is older than the replay window: dropped.
    public var replayDrops = 0
    /// Everything else: malformed or short packets either way, outbound packets libsrtp refused.
    public var otherErrors = 0

    public init(protected: Int = 0, unprotected: Int = 0, authenticationFailures: Int = 0, replayDrops: Int = 0,
                otherErrors: Int = 0) {
        self.protected = protected
        self.unprotected = unprotected
        self.authenticationFailures = authenticationFailures
        self.replayDrops = replayDrops
        self.otherErrors = otherErrors
    }

    public static func + (a: SRTPStatistics, b: SRTPStatistics) -> SRTPStatistics {
        SRTPStatistics(
            protected: a.protected + b.protected, unprotected: a.unprotected + b.unprotected,
            authenticationFailures: a.authenticationFailures + b.authenticationFailures,
            replayDrops: a.replayDrops + b.replayDrops, otherErrors: a.otherErrors + b.otherErrors)
    }
}
