import RTCCore

/// Conversions between loop time and RTP timestamp units (RFC 3550 §5.1: the media clock rate).
enum RTPClock {
    /// `instant` on a clock of `rate` Hz, modulo 2^32: only differences are meaningful, as with
    /// RTP timestamps. Exact for any instant (no overflow of the product).
    static func units(_ instant: LoopInstant, rate: UInt32) -> UInt32 {
        let ns = instant.nanoseconds
        let whole = (ns / 1_000_000_000) &* UInt64(rate)
        let part = (ns % 1_000_000_000) * UInt64(rate) / 1_000_000_000
        return UInt32(truncatingIfNeeded: whole &+ part)
    }

    /// `d` in units of a `rate` Hz clock, clamped to 0...UInt32.max.
    static func units(_ d: Duration, rate: UInt32) -> UInt32 {
        let ns = UInt64(max(d.nanoseconds, 0))
        let whole = (ns / 1_000_000_000).multipliedReportingOverflow(by: UInt64(rate))
        let total = whole.partialValue.addingReportingOverflow((ns % 1_000_000_000) * UInt64(rate) / 1_000_000_000)
        if whole.overflow || total.overflow || total.partialValue > UInt64(UInt32.max) { return .max }
        return UInt32(total.partialValue)
    }
}
