import RTCCore

/// One RTCP packet of a compound packet (RFC 3550 §6.1): the reports and feedback messages `rtc`
/// reads and writes, and the rest kept raw. A pure value: parsing and serializing do no I/O.
package enum RTCPPacket: Equatable, Sendable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case goodbye(RTCPGoodbye)
    /// Transport-layer feedback, generic NACK (RFC 4585 §6.2.1).
    case nack(RTCPGenericNACK)
    case pictureLossIndication(RTCPPictureLossIndication)
    case fullIntraRequest(RTCPFullIntraRequest)
    case receiverEstimatedMaxBitrate(RTCPReceiverEstimatedMaxBitrate)
    case unknown(RTCPRawPacket)

    /// Splits a compound packet into its packets (RFC 3550 §6.1). Reduced-size RTCP (RFC 5506),
    /// a lone feedback message, is accepted too, so no SR/RR-first rule is enforced; padding
    /// (the P bit) is honoured on any packet.
    /// - Throws: `RTPError.rtcp` with the byte offset and the part that failed, for an empty
    ///   input, a version other than 2, a length past the end, bad padding or a truncated field.
    package static func parse(compound bytes: [UInt8]) throws(RTPError) -> [RTCPPacket] {
        guard !bytes.isEmpty else { throw .rtcp(offset: 0, "empty packet") }
        var packets: [RTCPPacket] = []
        var r = ByteReader(bytes)
        while !r.isAtEnd {
            let start = r.offset
            let header = try RTCPHeader.read(&r)
            let end = start + header.packetSize
            guard end <= bytes.count else {
                throw .rtcp(
                    offset: start,
                    "length of \(header.packetSize) bytes runs past the end (\(bytes.count - start) left)")
            }
            var bodyEnd = end
            if header.padding {
                let pad = Int(bytes[end - 1])
                guard pad > 0, pad <= end - r.offset else {
                    throw .rtcp(offset: end - 1, "padding of \(pad) bytes does not fit the packet")
                }
                bodyEnd -= pad
            }
            var body = ByteReader(bytes, offset: r.offset, end: bodyEnd)
            packets.append(try parse(header, &body))
            _ = r.skip(end - r.offset)
        }
        return packets
    }

    private static func parse(_ h: RTCPHeader, _ r: inout ByteReader) throws(RTPError) -> RTCPPacket {
        switch (h.packetType, h.count) {
        case (RTCPHeader.senderReport, _): return .senderReport(try RTCPSenderReport(header: h, &r))
        case (RTCPHeader.receiverReport, _): return .receiverReport(try RTCPReceiverReport(header: h, &r))
        case (RTCPHeader.sourceDescription, _): return .sourceDescription(try RTCPSourceDescription(header: h, &r))
        case (RTCPHeader.goodbye, _): return .goodbye(try RTCPGoodbye(header: h, &r))
        case (RTCPHeader.transportLayerFeedback, RTCPGenericNACK.format): return .nack(try RTCPGenericNACK(&r))
        case (RTCPHeader.payloadSpecificFeedback, RTCPPictureLossIndication.format):
            return .pictureLossIndication(try RTCPPictureLossIndication(&r))
        case (RTCPHeader.payloadSpecificFeedback, RTCPFullIntraRequest.format):
            return .fullIntraRequest(try RTCPFullIntraRequest(&r))
        case (RTCPHeader.payloadSpecificFeedback, RTCPReceiverEstimatedMaxBitrate.format)
        where RTCPReceiverEstimatedMaxBitrate.matches(r):
            return .receiverEstimatedMaxBitrate(try RTCPReceiverEstimatedMaxBitrate(&r))
        default:
            return .unknown(
                RTCPRawPacket(count: h.count, packetType: h.packetType, body: r.readBytes(r.remaining) ?? []))
        }
    }

    /// The compound packet of `packets`, in order.
    package static func serialize(_ packets: [RTCPPacket]) -> [UInt8] {
        var w = ByteWriter(capacity: 128)
        for p in packets { p.write(&w) }
        return w.bytes
    }

    /// This packet alone on the wire.
    func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        write(&w)
        return w.bytes
    }

    func write(_ w: inout ByteWriter) {
        switch self {
        case .senderReport(let p): p.write(&w)
        case .receiverReport(let p): p.write(&w)
        case .sourceDescription(let p): p.write(&w)
        case .goodbye(let p): p.write(&w)
        case .nack(let p): p.write(&w)
        case .pictureLossIndication(let p): p.write(&w)
        case .fullIntraRequest(let p): p.write(&w)
        case .receiverEstimatedMaxBitrate(let p): p.write(&w)
        case .unknown(let p): p.write(&w)
        }
    }

    /// Reads the two SSRCs every feedback message starts with (RFC 4585 §6.1).
    static func readFeedbackSSRCs(_ r: inout ByteReader, _ what: String) throws(RTPError) -> (UInt32, UInt32) {
        let at = r.offset
        guard let sender = r.readUInt32(), let media = r.readUInt32() else {
            throw .rtcp(offset: at, "\(what) SSRCs truncated")
        }
        return (sender, media)
    }
}

extension RTCPPacket {
    /// Whether a datagram on an rtcp-mux transport is RTCP rather than RTP (RFC 5761 §4): its
    /// second byte, RTCP's packet type, is 192–223, which RTP's marker bit and payload type avoid
    /// (payload types 64–95 are not used with rtcp-mux).
    package static func isRTCP(_ datagram: [UInt8]) -> Bool {
        datagram.count >= RTCPHeader.length && datagram[0] >> 6 == 2 && (192...223).contains(datagram[1])
    }

    /// `isRTCP(_:)` for a borrowed datagram.
    package static func isRTCP(_ datagram: UnsafeRawBufferPointer) -> Bool {
        datagram.count >= RTCPHeader.length && datagram[0] >> 6 == 2 && (192...223).contains(datagram[1])
    }

    /// The media SSRCs this packet asks a keyframe of: PLI's media source (RFC 4585 §6.3.1) and
    /// each FIR entry's SSRC (RFC 5104 §4.3.1); empty for other packets.
    var keyframeRequests: [UInt32] {
        switch self {
        case let .pictureLossIndication(p): return [p.mediaSSRC]
        case let .fullIntraRequest(f): return f.entries.map(\.ssrc)
        default: return []
        }
    }
}
