/// NTP timestamps as RTCP carries them (RFC 3550 §4): 64-bit fixed point, seconds since
/// 1900-01-01 in the high 32 bits, the fraction in the low 32; and the "compact" middle 32 bits
/// (1/65536 s units) of LSR and DLSR (§6.4.1). The caller reads the wall clock; these only convert.
package enum NTPTime {
    /// Seconds from 1900-01-01 to the Unix epoch.
    static let unixEpochOffset: UInt64 = 2_208_988_800

    /// The NTP time of a Unix time given in nanoseconds.
    package static func fromUnix(nanoseconds ns: UInt64) -> UInt64 {
        let seconds = ns / 1_000_000_000 + unixEpochOffset
        let fraction = ((ns % 1_000_000_000) << 32) / 1_000_000_000
        return seconds << 32 | fraction
    }

    /// The middle 32 bits: 16 bits of seconds and 16 of fraction.
    static func compact(_ ntp: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ntp >> 16)
    }

    /// A duration in compact units (1/65536 s), saturating at UInt32.max (about 18 hours).
    static func compact(_ d: Duration) -> UInt32 {
        let ns = max(d.nanoseconds, 0)
        let units = (ns / 1_000_000_000) << 16 + ((ns % 1_000_000_000) << 16) / 1_000_000_000
        return units > Int64(UInt32.max) ? .max : UInt32(units)
    }

    /// The duration of `units` compact units.
    static func duration(compact units: UInt32) -> Duration {
        .nanoseconds((Int64(units) * 1_000_000_000) >> 16)
    }
}
