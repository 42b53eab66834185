import RTCCore

/// A generic NACK, transport-layer feedback PT 205 FMT 1 (RFC 4585 §6.2.1): the receiver asks
/// for the listed packets again. Each FCI entry names a packet ID (PID) and a bitmask of the 16
/// following sequence numbers (BLP, bit i meaning PID+i+1) also lost.
///
///    |V=2|P|  FMT=1  |    PT=205     |          length               |
///    |                  SSRC of packet sender                        |
///    |                  SSRC of media source                         |
///    |            PID                |             BLP               |  × N
package struct RTCPGenericNACK: Equatable, Sendable {
    static let format: UInt8 = 1

    struct Entry: Equatable, Sendable {
        var packetID: UInt16
        var lostBitmask: UInt16

        /// PID and the sequence numbers BLP marks, in order.
        var sequenceNumbers: [UInt16] {
            var out = [packetID]
            for bit in 0..<16 where lostBitmask & (1 << bit) != 0 { out.append(packetID &+ UInt16(bit + 1)) }
            return out
        }
    }

    var senderSSRC: UInt32
    package var mediaSSRC: UInt32
    var entries: [Entry]

    init(senderSSRC: UInt32, mediaSSRC: UInt32, entries: [Entry]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.entries = entries
    }

    /// Packs `lost` (in send order, wrapping allowed) into as few entries as that order allows:
    /// a number within 16 after the current entry's PID joins its BLP, any other starts an entry.
    package init(senderSSRC: UInt32, mediaSSRC: UInt32, lost: [UInt16]) {
        var entries: [Entry] = []
        for seq in lost {
            if let last = entries.last, case let d = seq &- last.packetID, (1...16).contains(d) {
                entries[entries.count - 1].lostBitmask |= 1 << (d - 1)
            } else if entries.last?.packetID != seq {
                entries.append(Entry(packetID: seq, lostBitmask: 0))
            }
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, entries: entries)
    }

    /// Every sequence number asked for, in entry order.
    var lostSequenceNumbers: [UInt16] { entries.flatMap(\.sequenceNumbers) }

    init(_ r: inout ByteReader) throws(RTPError) {
        let (sender, media) = try RTCPPacket.readFeedbackSSRCs(&r, "NACK")
        guard r.remaining % 4 == 0 else {
            throw .rtcp(offset: r.offset, "NACK FCI of \(r.remaining) bytes is not whole PID+BLP entries")
        }
        var entries: [Entry] = []
        while let pid = r.readUInt16(), let blp = r.readUInt16() {
            entries.append(Entry(packetID: pid, lostBitmask: blp))
        }
        self.init(senderSSRC: sender, mediaSSRC: media, entries: entries)
    }

    func write(_ w: inout ByteWriter) {
        let start = RTCPHeader.begin(count: Self.format, packetType: RTCPHeader.transportLayerFeedback, &w)
        w.write(senderSSRC)
        w.write(mediaSSRC)
        for e in entries {
            w.write(e.packetID)
            w.write(e.lostBitmask)
        }
        RTCPHeader.finish(start, &w)
    }
}
