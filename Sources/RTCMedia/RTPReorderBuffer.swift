import RTCCore
import RTCRTP

/// Puts the RTP packets of one stream back in sequence-number order (RFC 3550 §5.1, wrapping at
/// 2^16) before depacketization.
///
/// The first packets are held `maxDelay`: packets sent before the first to arrive may still come
/// (a key frame's first packet, say). Later, a missing packet is waited for until a packet behind
/// it has been held `maxDelay`, or until `capacity` packets wait behind it; then it is declared
/// lost and the packets after it go on. Duplicates and packets older than what was already
/// released are dropped; a jump of `capacity` or more ahead (with nothing held), or a few packets
/// in a row that far behind, restart the order there (a restarted source). Time is passed in,
/// never read from a clock, so tests drive it.
public struct RTPReorderBuffer {
    /// The most packets held at once (memory stays bounded by it).
    public let capacity: Int
    /// How long a packet may wait for a missing predecessor.
    public let maxDelay: Duration

    /// The sequence number expected next, nil before the first packet.
    public private(set) var nextSequenceNumber: UInt16?
    /// Packets declared lost so far.
    public private(set) var lostPackets = 0
    /// Duplicate or too-late packets dropped so far.
    public private(set) var droppedPackets = 0

    private var slots: [Slot?]
    private var heldCount = 0
    /// False from a (re)start until the first packet has waited `maxDelay`: until then packets
    /// are only held, and one sent earlier than the first to arrive can still take the lead.
    private var releasing = false
    /// Consecutive packets far behind the window; `restartEvidence` of them restart the order.
    private var farBehind = 0
    static let restartEvidence = 4
    /// The earliest arrival among held packets (they all wait behind the head gap); rescanned
    /// only when packets leave.
    private var oldestArrival: LoopInstant?

    private struct Slot {
        var packet: RTPPacket
        var arrival: LoopInstant
    }

    /// - Parameters:
    ///   - capacity: packets held at most (at least 2; also the largest reordering distance).
    ///   - maxDelay: the longest a packet waits for a gap before it to fill.
    public init(capacity: Int = 512, maxDelay: Duration = .milliseconds(100)) {
        self.capacity = max(2, min(capacity, 1 << 15))
        self.maxDelay = maxDelay
        slots = Array(repeating: nil, count: self.capacity)
    }

    /// Packets held waiting for a gap to fill.
    public var heldPackets: Int { heldCount }

    /// When `release(now:)` next has something to declare lost, nil when nothing is held.
    public var nextDeadline: LoopInstant? {
        guard heldCount > 0 else { return nil }
        return oldestArrival.map { $0 + maxDelay }
    }

    /// The sequence numbers of the gaps being waited for (what a NACK would ask for, RFC 4585
    /// §6.2.1), oldest first.
    public var missingSequenceNumbers: [UInt16] {
        guard let next = nextSequenceNumber, heldCount > 0 else { return [] }
        var missing: [UInt16] = []
        var seen = 0
        var d = 0
        while seen < heldCount && d < capacity {
            let seq = next &+ UInt16(d)
            if slots[index(seq)]?.packet.sequenceNumber == seq { seen += 1 } else { missing.append(seq) }
            d += 1
        }
        return missing
    }

    /// Takes one packet as it arrived.
    /// - Returns: the packets now ready, in sequence order.
    public mutating func insert(_ packet: RTPPacket, now: LoopInstant) -> [RTPPacket] {
        guard let next = nextSequenceNumber else {
            return resynchronize(at: packet, now: now)
        }
        let distance = Int(Int16(bitPattern: packet.sequenceNumber &- next))
        if distance < 0 && -distance > capacity {
            // Far behind: a very late duplicate, or, when several come, a restarted source.
            farBehind += 1
            guard farBehind >= Self.restartEvidence else {
                droppedPackets += 1
                return []
            }
            return resynchronize(at: packet, now: now)
        }
        farBehind = 0
        if distance < 0 {
            // Before anything is released, an earlier packet moves the start back (the first
            // to arrive need not be the first sent), if the held span still fits.
            guard !releasing, heldSpan - distance < capacity else {
                droppedPackets += 1
                return []
            }
            nextSequenceNumber = packet.sequenceNumber
            hold(packet, now: now)
            return release(now: now)
        }
        var out: [RTPPacket] = []
        var ahead = distance
        while ahead >= capacity && heldCount > 0 {
            // No room to hold it: the oldest gaps are given up until it fits.
            out += skipGap()
            ahead = Int(Int16(bitPattern: packet.sequenceNumber &- nextSequenceNumber!))
        }
        if ahead >= capacity {
            // A jump no reordering explains (a restarted source, or a long outage): start over.
            return out + resynchronize(at: packet, now: now)
        }
        if slots[index(packet.sequenceNumber)] != nil {
            droppedPackets += 1
            return out
        }
        hold(packet, now: now)
        if releasing { out += releaseInOrder() }
        out += release(now: now)
        return out
    }

    /// Declares lost the gaps that have waited `maxDelay` and returns the packets behind them.
    public mutating func release(now: LoopInstant) -> [RTPPacket] {
        var out: [RTPPacket] = []
        if !releasing, let oldest = oldestArrival, now >= oldest + maxDelay {
            releasing = true
            out += releaseInOrder()
        }
        while heldCount > 0, let oldest = oldestArrival, now >= oldest + maxDelay {
            out += skipGap()
        }
        return out
    }

    /// Releases everything held, declaring every gap lost (end of stream).
    public mutating func flushAll() -> [RTPPacket] {
        var out: [RTPPacket] = []
        while heldCount > 0 { out += skipGap() }
        return out
    }

    private func index(_ seq: UInt16) -> Int { Int(seq) % capacity }

    /// The packets at the head of the buffer, up to the first gap.
    private mutating func releaseInOrder() -> [RTPPacket] {
        var out: [RTPPacket] = []
        while let next = nextSequenceNumber, let slot = slots[index(next)], slot.packet.sequenceNumber == next {
            slots[index(next)] = nil
            heldCount -= 1
            out.append(slot.packet)
            nextSequenceNumber = next &+ 1
        }
        if !out.isEmpty { oldestArrival = heldCount == 0 ? nil : slots.lazy.compactMap { $0?.arrival }.min() }
        return out
    }

    /// Declares the gap at the head lost and releases the run after it.
    private mutating func skipGap() -> [RTPPacket] {
        guard var next = nextSequenceNumber else { return [] }
        releasing = true
        while slots[index(next)]?.packet.sequenceNumber != next {
            next &+= 1
            lostPackets += 1
        }
        nextSequenceNumber = next
        return releaseInOrder()
    }

    /// Starts over at `packet`, held like a stream's first packet.
    private mutating func resynchronize(at packet: RTPPacket, now: LoopInstant) -> [RTPPacket] {
        for i in slots.indices { slots[i] = nil }
        heldCount = 0
        oldestArrival = nil
        releasing = false
        farBehind = 0
        nextSequenceNumber = packet.sequenceNumber
        hold(packet, now: now)
        return []
    }

    private mutating func hold(_ packet: RTPPacket, now: LoopInstant) {
        slots[index(packet.sequenceNumber)] = Slot(packet: packet, arrival: now)
        heldCount += 1
        oldestArrival = min(oldestArrival ?? now, now)
    }

    /// The distance from the head to the furthest held packet.
    private var heldSpan: Int {
        guard let next = nextSequenceNumber else { return 0 }
        return slots.lazy.compactMap { $0 }.map { Int($0.packet.sequenceNumber &- next) }.max() ?? 0
    }

}
