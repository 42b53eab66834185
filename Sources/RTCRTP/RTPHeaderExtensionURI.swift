/// The `a=extmap` URIs of the header extensions `rtc` reads or writes, and typed access to them.
/// Their ids are negotiated per session (RFC 8285 §5), so every accessor takes the id.
enum RTPHeaderExtensionURI {
    /// The media section's MID in every packet (RFC 8843 §15), for BUNDLE demultiplexing.
    static let mid = "urn:ietf:params:rtp-hdrext:sdes:mid"
    /// 24-bit 6.18 fixed-point send time in seconds, for REMB bandwidth estimation
    /// (webrtc.org "abs-send-time").
    static let absSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
    /// A 16-bit transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
    static let transportWideCC = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
}

extension RTPPacket.HeaderExtension {
    /// The MID carried by element `id` (RFC 8843 §15: the UTF-8 identification-tag).
    func mid(id: UInt8) -> String? {
        element(id: id).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The 24-bit abs-send-time of element `id` (6.18 fixed-point seconds), nil unless 3 bytes.
    func absSendTime(id: UInt8) -> UInt32? {
        guard let d = element(id: id), d.count == 3 else { return nil }
        return UInt32(d[0]) << 16 | UInt32(d[1]) << 8 | UInt32(d[2])
    }

    /// The transport-wide sequence number of element `id`, nil unless 2 bytes.
    func transportSequenceNumber(id: UInt8) -> UInt16? {
        guard let d = element(id: id), d.count == 2 else { return nil }
        return UInt16(d[0]) << 8 | UInt16(d[1])
    }

    /// abs-send-time from a 64-bit NTP time (32.32): its 6 low integer bits and 18 high fraction bits.
    static func absSendTime(ntp: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ntp >> 14) & 0xFF_FFFF
    }
}

extension RTPPacket {
    /// Sets the MID element `id` (RFC 8843 §15).
    /// - Throws: `RTPError` when the MID is empty or too long for any form, or the present
    ///   extension is not RFC 8285.
    mutating func setMid(_ mid: String, id: UInt8) throws(RTPError) {
        guard !mid.isEmpty else { throw .malformed("empty MID header extension") }
        try setExtensionElement(id: id, data: Array(mid.utf8))
    }

    /// Sets the abs-send-time element `id` from a 64-bit NTP time.
    /// - Throws: `RTPError` when the present extension is not RFC 8285.
    mutating func setAbsSendTime(ntp: UInt64, id: UInt8) throws(RTPError) {
        let v = HeaderExtension.absSendTime(ntp: ntp)
        let bytes = [
            UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v),
        ]
        try setExtensionElement(id: id, data: bytes)
    }

    /// Sets the transport-wide sequence number element `id`.
    /// - Throws: `RTPError` when the present extension is not RFC 8285.
    mutating func setTransportSequenceNumber(_ seq: UInt16, id: UInt8) throws(RTPError) {
        try setExtensionElement(id: id, data: [UInt8(seq >> 8), UInt8(truncatingIfNeeded: seq)])
    }
}
