import RTCCore

/// The packets one outgoing source sent recently, by sequence number, to answer a generic NACK
/// (RFC 4585 §6.2.1) with retransmissions (RFC 4588 §8.1 keeps such a buffer too).
///
/// Bounded by count (a ring of `capacity` slots indexed by the low bits of the sequence number, so
/// a lookup is one slot) and by age (`maxAge`, older packets are not resent: the receiver's jitter
/// buffer has moved on). A packet is resent at most once per `minResendInterval`, so duplicate
/// NACKs within an RTT do not multiply the retransmissions.
package struct RTPSendHistory {
    private struct Slot {
        var packet: RTPPacket
        var sentAt: LoopInstant
        var resentAt: LoopInstant?
    }

    /// Slots: a power of two from 16 to 32768, at least the requested capacity.
    let capacity: Int
    let maxAge: Duration
    let minResendInterval: Duration
    private var slots: [Slot?]

    /// - Parameters:
    ///   - capacity: packets kept, rounded up to a power of two (at most 32768, half the
    ///     sequence space, so a slot's packet is never mistaken for one 65536 later).
    ///   - maxAge: how long a packet can be resent after it was first sent.
    ///   - minResendInterval: the least time between two retransmissions of one packet.
    package init(capacity: Int = 1024, maxAge: Duration = .seconds(1), minResendInterval: Duration = .milliseconds(10)) {
        var n = 16
        while n < min(capacity, 32768) { n <<= 1 }
        self.capacity = n
        self.maxAge = maxAge
        self.minResendInterval = minResendInterval
        slots = Array(repeating: nil, count: n)
    }

    /// Packets held, including ones past `maxAge` not yet overwritten.
    var count: Int { slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Records a packet as sent at `now`, replacing the one `capacity` sequence numbers before it.
    package mutating func record(_ packet: RTPPacket, at now: LoopInstant) {
        slots[index(packet.sequenceNumber)] = Slot(packet: packet, sentAt: now)
    }

    /// The packet with `sequenceNumber`, if held and not older than `maxAge`.
    func packet(_ sequenceNumber: UInt16, at now: LoopInstant) -> RTPPacket? {
        guard let slot = slots[index(sequenceNumber)], slot.packet.sequenceNumber == sequenceNumber,
            now.since(slot.sentAt) <= maxAge
        else { return nil }
        return slot.packet
    }

    /// The packets to retransmit for `sequenceNumbers` at `now`, in the order asked: held, young
    /// enough and not resent within `minResendInterval`. Each one returned is marked resent.
    mutating func retransmissions(for sequenceNumbers: [UInt16], at now: LoopInstant) -> [RTPPacket] {
        var out: [RTPPacket] = []
        for seq in sequenceNumbers {
            let i = index(seq)
            guard var slot = slots[i], slot.packet.sequenceNumber == seq, now.since(slot.sentAt) <= maxAge else {
                continue
            }
            if let last = slot.resentAt, now.since(last) < minResendInterval { continue }
            slot.resentAt = now
            slots[i] = slot
            out.append(slot.packet)
        }
        return out
    }

    /// The packets to retransmit for a generic NACK about this source (its PIDs and BLPs).
    package mutating func retransmissions(for nack: RTCPGenericNACK, at now: LoopInstant) -> [RTPPacket] {
        retransmissions(for: nack.lostSequenceNumbers, at: now)
    }

    private func index(_ seq: UInt16) -> Int { Int(seq) & (capacity - 1) }
}
