import RTCCore

/// One RTP packet (RFC 3550 §5.1), parsed from or serialized to the wire. A pure value: SRTP
/// protection, SSRC rewriting and depacketization work on it without I/O.
///
///     0                   1                   2                   3
///    |V=2|P|X|  CC   |M|     PT      |       sequence number         |
///    |                           timestamp                           |
///    |           synchronization source (SSRC) identifier            |
///    |            contributing source (CSRC) identifiers  (CC)       |
///    | extension profile (X)         |  extension length in words    |
public struct RTPPacket: Equatable, Sendable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcs: [UInt32]
    /// The header extension (RFC 3550 §5.3.1; RFC 8285 one/two-byte forms inside), or nil.
    public var headerExtension: HeaderExtension?
    public var payload: [UInt8]
    /// Padding bytes after the payload, the count byte included (0 for none).
    public var paddingLength: UInt8

    public struct HeaderExtension: Equatable, Sendable {
        /// 0xBEDE for RFC 8285 one-byte elements, 0x100x for two-byte ones.
        public var profile: UInt16
        /// The extension body, a multiple of 4 bytes.
        public var data: [UInt8]

        public init(profile: UInt16, data: [UInt8]) {
            self.profile = profile
            self.data = data
        }
    }

    public init(
        marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
        csrcs: [UInt32] = [], headerExtension: HeaderExtension? = nil, payload: [UInt8], paddingLength: UInt8 = 0
    ) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
        self.payload = payload
        self.paddingLength = paddingLength
    }

    /// Fixed header bytes, without CSRCs or extension.
    public static let fixedHeaderLength = 12

    /// Parses one packet.
    /// - Throws: `RTPError` when the version is not 2 or a length runs past the end.
    public init(parsing bytes: [UInt8]) throws(RTPError) {
        var r = ByteReader(bytes)
        guard let b0 = r.readUInt8(), let b1 = r.readUInt8(), let seq = r.readUInt16(), let ts = r.readUInt32(),
              let ssrc = r.readUInt32()
        else { throw .truncated("fixed header") }
        guard b0 >> 6 == 2 else { throw .badVersion(b0 >> 6) }
        var csrcs: [UInt32] = []
        for _ in 0..<Int(b0 & 0x0F) {
            guard let c = r.readUInt32() else { throw .truncated("CSRC list") }
            csrcs.append(c)
        }
        var ext: HeaderExtension?
        if b0 & 0x10 != 0 {
            guard let profile = r.readUInt16(), let words = r.readUInt16(), let data = r.readBytes(Int(words) * 4)
            else { throw .truncated("header extension") }
            ext = HeaderExtension(profile: profile, data: data)
        }
        var end = bytes.count
        var padding: UInt8 = 0
        if b0 & 0x20 != 0 {
            padding = bytes[bytes.count - 1]
            guard padding > 0, Int(padding) <= bytes.count - r.offset else { throw .badPadding(padding) }
            end -= Int(padding)
        }
        self.init(
            marker: b1 & 0x80 != 0, payloadType: b1 & 0x7F, sequenceNumber: seq, timestamp: ts, ssrc: ssrc,
            csrcs: csrcs, headerExtension: ext, payload: Array(bytes[r.offset..<end]), paddingLength: padding)
    }

    /// The wire form; padding, when kept, is zeros ending in its count (RFC 3550 §5.1).
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.fixedHeaderLength + 4 * csrcs.count + payload.count + 16)
        append(to: &bytes)
        return bytes
    }

    /// Appends the wire form to `bytes`: with a buffer kept between packets (emptied with
    /// `removeAll(keepingCapacity: true)`), serializing allocates nothing.
    public func append(to bytes: inout [UInt8]) {
        var b0: UInt8 = 2 << 6 | UInt8(min(csrcs.count, 15))
        if paddingLength > 0 { b0 |= 0x20 }
        if headerExtension != nil { b0 |= 0x10 }
        bytes.append(b0)
        bytes.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        Self.append(sequenceNumber, to: &bytes)
        Self.append(timestamp, to: &bytes)
        Self.append(ssrc, to: &bytes)
        for c in csrcs.prefix(15) { Self.append(c, to: &bytes) }
        if let e = headerExtension {
            Self.append(e.profile, to: &bytes)
            Self.append(UInt16(truncatingIfNeeded: (e.data.count + 3) / 4), to: &bytes)
            bytes.append(contentsOf: e.data)
            bytes.append(contentsOf: repeatElement(0, count: (4 - e.data.count % 4) % 4))
        }
        bytes.append(contentsOf: payload)
        if paddingLength > 0 {
            bytes.append(contentsOf: repeatElement(0, count: Int(paddingLength) - 1))
            bytes.append(paddingLength)
        }
    }

    /// Big-endian, as every RTP field (RFC 3550 §5.1).
    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        var v = value.bigEndian
        withUnsafeBytes(of: &v) { bytes.append(contentsOf: $0) }
    }
}
