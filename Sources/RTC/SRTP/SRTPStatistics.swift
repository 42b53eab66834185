/// Packet counters of an `SRTPSession`, RTP and SRTCP together.
///
/// Every packet handed to the session lands in exactly one counter.
struct SRTPStatistics: Equatable, Sendable {
    /// Packets protected for sending.
    var protected = 0
    /// Packets that passed authentication and the replay check, decrypted.
    var unprotected = 0
    /// Inbound packets whose tag did not verify (tampered, wrong key): dropped.
    var authenticationFailures = 0
    /// Inbound packets whose index was seen before or is older than the replay window: dropped.
    var replayDrops = 0
    /// Everything else: malformed or short packets either way, outbound packets libsrtp refused.
    var otherErrors = 0

    static func + (a: SRTPStatistics, b: SRTPStatistics) -> SRTPStatistics {
        SRTPStatistics(
            protected: a.protected + b.protected, unprotected: a.unprotected + b.unprotected,
            authenticationFailures: a.authenticationFailures + b.authenticationFailures,
            replayDrops: a.replayDrops + b.replayDrops, otherErrors: a.otherErrors + b.otherErrors)
    }
}
