import RTCCore

/// A TURN ChannelData message (RFC 8656 §12.4): a 4-byte header — channel number and data
/// length — then the application data, padded to a multiple of 4 bytes over TCP (optional over
/// UDP, §12.5). The first byte is 0x40...0x4F, which is how it is told apart from STUN, DTLS and
/// RTP on a shared port (RFC 7983 §7).
public struct ChannelData: Hashable, Sendable {
    /// Valid channel numbers (RFC 8656 §12).
    public static let channelRange: ClosedRange<UInt16> = 0x4000...0x4FFF
    public static let headerSize = 4

    public var channelNumber: UInt16
    public var data: [UInt8]

    /// A message for `channelNumber`, which must be in `channelRange`; nil otherwise (or when
    /// `data` is longer than 65535 bytes).
    public init?(channelNumber: UInt16, data: [UInt8]) {
        guard Self.channelRange.contains(channelNumber), data.count <= 0xFFFF else { return nil }
        self.channelNumber = channelNumber
        self.data = data
    }

    /// A cheap demultiplexing test: at least a header and a first byte 0x40...0x4F.
    public static func isChannelData(_ bytes: [UInt8]) -> Bool {
        bytes.count >= headerSize && bytes[0] & 0xF0 == 0x40
    }

    /// Decodes one ChannelData message filling `bytes` (a UDP datagram): the data must be all
    /// there, and anything after it must fit in the padding to a 4-byte boundary.
    ///
    /// - Throws: `STUNError.truncatedChannelData`, `.badChannelNumber`, `.channelDataTrailingBytes`.
    public init(decoding bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        guard let number = r.readUInt16(), let length = r.readUInt16().map(Int.init) else {
            throw STUNError.truncatedChannelData(declared: 0, available: max(0, bytes.count - Self.headerSize))
        }
        guard Self.channelRange.contains(number) else { throw STUNError.badChannelNumber(number) }
        guard let data = r.readBytes(length) else {
            throw STUNError.truncatedChannelData(declared: length, available: r.remaining)
        }
        guard r.remaining <= STUNAttribute.paddingCount(length) else {
            throw STUNError.channelDataTrailingBytes(count: r.remaining)
        }
        channelNumber = number
        self.data = data
    }

    /// Over a stream (TCP/TLS), the size of the whole frame including padding, once the 4 header
    /// bytes are available (RFC 8656 §12.5); nil when fewer than 4 bytes are given.
    public static func streamFrameLength(header bytes: [UInt8]) -> Int? {
        guard bytes.count >= headerSize else { return nil }
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        return headerSize + length + STUNAttribute.paddingCount(length)
    }

    /// Serializes; `padded` adds zero padding to a 4-byte boundary (required over TCP, optional
    /// over UDP).
    public func encode(padded: Bool = false) -> [UInt8] {
        let pad = padded ? STUNAttribute.paddingCount(data.count) : 0
        var w = ByteWriter(capacity: Self.headerSize + data.count + pad)
        w.write(channelNumber)
        w.write(UInt16(truncatingIfNeeded: data.count))
        w.write(contentsOf: data)
        for _ in 0..<pad { w.write(UInt8(0)) }
        return w.bytes
    }
}
