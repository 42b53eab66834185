import RTCCore

/// Channel types of DATA_CHANNEL_OPEN (RFC 8832 §5.1, §8.2.2).
public enum DataChannelType: UInt8, Sendable, CaseIterable {
    case reliable = 0x00
    case reliableUnordered = 0x80
    case partialReliableRexmit = 0x01
    case partialReliableRexmitUnordered = 0x81
    case partialReliableTimed = 0x02
    case partialReliableTimedUnordered = 0x82

    public var ordered: Bool { rawValue & 0x80 == 0 }
}

/// DATA_CHANNEL_OPEN body (RFC 8832 §5.1).
public struct DCEPOpen: Equatable, Sendable {
    public var channelType: DataChannelType
    /// RFC 8831 §6.4 priorities: 128 below normal, 256 normal, 512 high, 1024 extra high.
    public var priority: UInt16
    /// Retransmission count or lifetime in ms for the partial-reliable types; 0 otherwise.
    public var reliabilityParameter: UInt32
    public var label: String
    public var `protocol`: String

    public init(channelType: DataChannelType, priority: UInt16 = 256, reliabilityParameter: UInt32 = 0,
                label: String, protocol: String = "") {
        self.channelType = channelType
        self.priority = priority
        self.reliabilityParameter = reliabilityParameter
        self.label = label
        self.protocol = `protocol`
    }
}

/// The Data Channel Establishment Protocol messages (RFC 8832 §5), sent with PPID 50.
/// A pure codec: `parse` never traps on hostile input, it throws `DataChannelError.malformedDCEP`.
public enum DCEPMessage: Equatable, Sendable {
    case open(DCEPOpen)
    case ack

    static let openType: UInt8 = 0x03
    static let ackType: UInt8 = 0x02

    public func serialize() -> [UInt8] {
        switch self {
        case .ack:
            return [Self.ackType]
        case .open(let o):
            let label = Array(o.label.utf8)
            let proto = Array(o.protocol.utf8)
            var w = ByteWriter(capacity: 12 + label.count + proto.count)
            w.write(Self.openType)
            w.write(o.channelType.rawValue)
            w.write(o.priority)
            w.write(o.reliabilityParameter)
            w.write(UInt16(truncatingIfNeeded: label.count))
            w.write(UInt16(truncatingIfNeeded: proto.count))
            w.write(contentsOf: label)
            w.write(contentsOf: proto)
            return w.bytes
        }
    }

    /// Decodes one DCEP message as real peers send it: trailing bytes after an ACK's type byte
    /// or after an OPEN's protocol are ignored (libwebrtc's rule); a short header, a label or
    /// protocol running past the end, an unknown channel or message type are errors.
    /// - Throws: `DataChannelError.malformedDCEP` naming the field that is wrong.
    public static func parse(_ bytes: [UInt8]) throws -> DCEPMessage {
        var r = ByteReader(bytes)
        guard let type = r.readUInt8() else { throw DataChannelError.malformedDCEP("empty message") }
        switch type {
        case ackType:
            // RFC 8832 §5.2 defines a one-byte ACK, but pion (and the Go ports of it) send
            // `02 00 00 00`; libwebrtc reads only the type byte, and so do we.
            return .ack
        case openType:
            guard let rawType = r.readUInt8() else { throw DataChannelError.malformedDCEP("OPEN: channel type missing") }
            guard let channelType = DataChannelType(rawValue: rawType) else {
                throw DataChannelError.malformedDCEP("OPEN: unknown channel type 0x\(String(rawType, radix: 16))")
            }
            guard let priority = r.readUInt16(), let reliability = r.readUInt32(),
                let labelLength = r.readUInt16(), let protocolLength = r.readUInt16()
            else { throw DataChannelError.malformedDCEP("OPEN: header shorter than 12 bytes") }
            guard let labelBytes = r.readBytes(Int(labelLength)) else {
                throw DataChannelError.malformedDCEP("OPEN: label length \(labelLength) beyond message end")
            }
            guard let protocolBytes = r.readBytes(Int(protocolLength)) else {
                throw DataChannelError.malformedDCEP("OPEN: protocol length \(protocolLength) beyond message end")
            }
            guard let label = String(validating: labelBytes, as: UTF8.self) else {
                throw DataChannelError.malformedDCEP("OPEN: label is not UTF-8")
            }
            guard let proto = String(validating: protocolBytes, as: UTF8.self) else {
                throw DataChannelError.malformedDCEP("OPEN: protocol is not UTF-8")
            }
            // Bytes after the protocol (padding) are ignored, as libwebrtc ignores them.
            return .open(
                DCEPOpen(channelType: channelType, priority: priority, reliabilityParameter: reliability,
                         label: label, protocol: proto))
        default:
            throw DataChannelError.malformedDCEP("unknown message type 0x\(String(type, radix: 16))")
        }
    }
}
