import RTCCore

/// The receiver side of generic NACK (RFC 4585 §6.2.1, §3.5.3 on timing): tracks which sequence
/// numbers of one source are missing and says which to NACK when.
///
/// Arrivals are unwrapped to a 64-bit extended sequence number around the newest one seen, so
/// wrap-around and reordering are handled. A jump of more than `resetJump` either way is a source
/// restart: tracking starts over instead of NACKing thousands of packets. A missing number is first
/// NACKed `reorderDelay` after its gap is seen, then again every RTT (the time the retransmission
/// needs to come back), at most `maxRetries` times and never after `maxAge`. At most `maxMissing`
/// numbers are tracked; the oldest are given up first. Giving up on a number raises
/// `keyframeNeeded`, since the picture that packet belonged to cannot be decoded.
///
/// A pure value driven by the loop's instants; the caller schedules `nextDeadline`.
package struct NACKGenerator {
    private struct Missing {
        var sequence: Int64
        var detectedAt: LoopInstant
        var sentCount = 0
        var lastSentAt: LoopInstant?
    }

    let maxMissing: Int
    let maxRetries: Int
    let maxAge: Duration
    let reorderDelay: Duration
    /// The retry interval when no RTT is known yet.
    let defaultRetryInterval: Duration
    /// The least retry interval, however short the RTT.
    let minRetryInterval: Duration
    let resetJump: Int64

    private var newest: Int64?
    /// Ascending by extended sequence number.
    private var missing: [Missing] = []
    /// Sequence numbers given up on (too old, too many retries, or evicted).
    private(set) var givenUp = 0
    /// Sequence numbers that arrived after being found missing (reordered or retransmitted).
    private(set) package var recovered = 0
    /// Set when a number is given up on; `takeKeyframeRequest` clears it.
    private(set) var keyframeNeeded = false

    package init(
        maxMissing: Int = 1000, maxRetries: Int = 10, maxAge: Duration = .seconds(1), reorderDelay: Duration = .zero,
        defaultRetryInterval: Duration = .milliseconds(100), minRetryInterval: Duration = .milliseconds(5),
        resetJump: Int = 3000
    ) {
        self.maxMissing = max(maxMissing, 1)
        self.maxRetries = max(maxRetries, 1)
        self.maxAge = maxAge
        self.reorderDelay = reorderDelay
        self.defaultRetryInterval = defaultRetryInterval
        self.minRetryInterval = minRetryInterval
        self.resetJump = Int64(min(max(resetJump, 1), 32767))
    }

    /// How many sequence numbers are missing (cheap: no array is built).
    package var missingCount: Int { missing.count }

    /// The sequence numbers currently missing, oldest first.
    var missingSequenceNumbers: [UInt16] { missing.map { UInt16(truncatingIfNeeded: $0.sequence) } }

    /// Notes the arrival of `sequenceNumber` at `now`.
    package mutating func received(_ sequenceNumber: UInt16, at now: LoopInstant) {
        guard let top = newest else {
            newest = Int64(sequenceNumber)
            return
        }
        let delta = Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: top)))
        let sequence = top + delta
        if delta > resetJump || -delta > resetJump {
            missing.removeAll()
            newest = sequence
        } else if delta > 0 {
            // Only the last `maxMissing` of a long gap are tracked; the rest are lost for good.
            let firstGap = max(top + 1, sequence - Int64(maxMissing))
            var evicted = Int(firstGap - (top + 1))
            for s in firstGap..<sequence { missing.append(Missing(sequence: s, detectedAt: now)) }
            if missing.count > maxMissing {
                evicted += missing.count - maxMissing
                missing.removeFirst(missing.count - maxMissing)
            }
            if evicted > 0 {
                givenUp += evicted
                keyframeNeeded = true
            }
            newest = sequence
        } else if delta < 0, let i = index(of: sequence) {
            missing.remove(at: i)
            recovered += 1
        }
    }

    /// The sequence numbers to NACK at `now`, oldest first; each is marked sent. Numbers past
    /// `maxAge` or out of retries are dropped here.
    /// - Parameter roundTripTime: the latest RTT (from RTCP), nil when unknown.
    package mutating func sequenceNumbersToNACK(at now: LoopInstant, roundTripTime: Duration?) -> [UInt16] {
        let interval = retryInterval(roundTripTime)
        let before = missing.count
        missing.removeAll { m in
            now.since(m.detectedAt) > maxAge
                || m.sentCount >= maxRetries && m.lastSentAt.map { now.since($0) >= interval } ?? true
        }
        if missing.count < before {
            givenUp += before - missing.count
            keyframeNeeded = true
        }
        var out: [UInt16] = []
        for i in missing.indices where isDue(missing[i], now, interval) {
            missing[i].sentCount += 1
            missing[i].lastSentAt = now
            out.append(UInt16(truncatingIfNeeded: missing[i].sequence))
        }
        return out
    }

    /// When `sequenceNumbersToNACK` next has something to do, nil when nothing is missing.
    package func nextDeadline(roundTripTime: Duration?) -> LoopInstant? {
        let interval = retryInterval(roundTripTime)
        return missing.map { m in
            let due = m.lastSentAt.map { $0 + interval } ?? m.detectedAt + reorderDelay
            return min(due, m.detectedAt + maxAge + .nanoseconds(1))  // retry, or expiry
        }.min()
    }

    /// Returns and clears `keyframeNeeded`.
    package mutating func takeKeyframeRequest() -> Bool {
        defer { keyframeNeeded = false }
        return keyframeNeeded
    }

    private func retryInterval(_ rtt: Duration?) -> Duration {
        max(rtt ?? defaultRetryInterval, minRetryInterval)
    }

    private func isDue(_ m: Missing, _ now: LoopInstant, _ interval: Duration) -> Bool {
        guard let last = m.lastSentAt else { return now.since(m.detectedAt) >= reorderDelay }
        return now.since(last) >= interval
    }

    /// Binary search in the ascending `missing`.
    private func index(of sequence: Int64) -> Int? {
        var lo = 0
        var hi = missing.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if missing[mid].sequence < sequence { lo = mid + 1 } else { hi = mid }
        }
        return lo < missing.count && missing[lo].sequence == sequence ? lo : nil
    }
}
