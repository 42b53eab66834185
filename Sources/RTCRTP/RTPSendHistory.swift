import RTCCore

/// The packets one outgoing source sent recently, by sequence number, to answer a generic NACK
/// (RFC 4585 §6.2.1) with retransmissions (RFC 4588 §8.1 keeps such a buffer too).
///
/// Bounded by count (a ring of `capacity` slots indexed by the low bits of the sequence number, so
/// a lookup is one slot) and by age (`maxAge`, older packets are not resent: the receiver's jitter
/// buffer has moved on). A packet is resent at most once per `minResendInterval`, so duplicate
/// NACKs within an RTT do not multiply the retransmissions.
package struct RTPSendHistory {
    /// A packet as sent, in its wire form: the slot's array is kept and refilled, so recording
    /// a packet copies its bytes but allocates nothing once the ring has gone round.
    private struct Slot {
        var bytes: [UInt8] = []
        var sequenceNumber: UInt16 = 0
        /// nil: the slot holds no packet.
        var sentAt: LoopInstant?
        var resentAt: LoopInstant?
    }

    /// Slots: a power of two from 16 to 32768, at least the requested capacity.
    let capacity: Int
    let maxAge: Duration
    let minResendInterval: Duration
    private var slots: [Slot]

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
        slots = Array(repeating: Slot(), count: n)
    }

    /// Packets held, including ones past `maxAge` not yet overwritten.
    var count: Int { slots.reduce(0) { $0 + ($1.sentAt == nil ? 0 : 1) } }

    /// Records a packet as sent at `now`, replacing the one `capacity` sequence numbers before it.
    package mutating func record(_ packet: RTPPacket, at now: LoopInstant) {
        let i = index(packet.sequenceNumber)
        slots[i].bytes.removeAll(keepingCapacity: true)
        packet.append(to: &slots[i].bytes)
        stamp(i, packet.sequenceNumber, now)
    }

    /// Records a packet given in its wire form (as `RTPPacket(parsing:)` reads it back).
    package mutating func record(wire bytes: UnsafeRawBufferPointer, sequenceNumber: UInt16, at now: LoopInstant) {
        let i = index(sequenceNumber)
        slots[i].bytes.removeAll(keepingCapacity: true)
        slots[i].bytes.append(contentsOf: bytes)
        stamp(i, sequenceNumber, now)
    }

    private mutating func stamp(_ i: Int, _ sequenceNumber: UInt16, _ now: LoopInstant) {
        slots[i].sequenceNumber = sequenceNumber
        slots[i].sentAt = now
        slots[i].resentAt = nil
    }

    /// The packet with `sequenceNumber`, if held and not older than `maxAge`.
    func packet(_ sequenceNumber: UInt16, at now: LoopInstant) -> RTPPacket? {
        let slot = slots[index(sequenceNumber)]
        guard let sentAt = slot.sentAt, slot.sequenceNumber == sequenceNumber, now.since(sentAt) <= maxAge
        else { return nil }
        return try? RTPPacket(parsing: slot.bytes)
    }

    /// The packets to retransmit for `sequenceNumbers` at `now`, in the order asked: held, young
    /// enough and not resent within `minResendInterval`. Each one returned is marked resent.
    mutating func retransmissions(for sequenceNumbers: [UInt16], at now: LoopInstant) -> [RTPPacket] {
        var out: [RTPPacket] = []
        for seq in sequenceNumbers {
            let i = index(seq)
            guard let sentAt = slots[i].sentAt, slots[i].sequenceNumber == seq, now.since(sentAt) <= maxAge else {
                continue
            }
            if let last = slots[i].resentAt, now.since(last) < minResendInterval { continue }
            guard let packet = try? RTPPacket(parsing: slots[i].bytes) else { continue }
            slots[i].resentAt = now
            out.append(packet)
        }
        return out
    }

    /// The packets to retransmit for a generic NACK about this source (its PIDs and BLPs).
    package mutating func retransmissions(for nack: RTCPGenericNACK, at now: LoopInstant) -> [RTPPacket] {
        retransmissions(for: nack.lostSequenceNumbers, at: now)
    }

    private func index(_ seq: UInt16) -> Int { Int(seq) & (capacity - 1) }
}
