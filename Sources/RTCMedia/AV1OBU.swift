/// One AV1 OBU (AV1 bitstream spec §5.3): header, optional extension byte, payload. Converts
/// between the RTP form (obu_has_size_field 0, AV1 RTP spec §4.3) and the low-overhead
/// bitstream form files use (§5.2, every OBU with its LEB128 size).
struct AV1OBU: Equatable {
    /// obu_type values (§6.2.2).
    static let sequenceHeader: UInt8 = 1
    static let temporalDelimiter: UInt8 = 2
    static let frameHeader: UInt8 = 3
    static let frame: UInt8 = 6
    static let tileList: UInt8 = 8
    static let padding: UInt8 = 15

    /// The header byte as received (has-size bit included).
    var header: UInt8
    var extensionByte: UInt8?
    var payload: ArraySlice<UInt8>

    var type: UInt8 { header >> 3 & 0x0F }

    /// A temporal delimiter in low-overhead form: header with has_size set, size 0.
    static let temporalDelimiterBytes: [UInt8] = [temporalDelimiter << 3 | 0x02, 0]

    /// Parses one OBU at `offset`; without a size field it runs to `end`.
    /// - Returns: the OBU and the offset after it, or nil when malformed.
    static func parse(_ bytes: [UInt8], at offset: Int, end: Int) -> (AV1OBU, next: Int)? {
        var i = offset
        guard i < end else { return nil }
        let header = bytes[i]
        guard header & 0x80 == 0 else { return nil }  // obu_forbidden_bit
        i += 1
        var ext: UInt8?
        if header & 0x04 != 0 {
            guard i < end else { return nil }
            ext = bytes[i]
            i += 1
        }
        var payloadEnd = end
        if header & 0x02 != 0 {
            guard let (size, n) = readLEB128(bytes, at: i, end: end), size <= UInt64(end - i - n) else { return nil }
            i += n
            payloadEnd = i + Int(size)
        }
        return (AV1OBU(header: header, extensionByte: ext, payload: bytes[i..<payloadEnd]), payloadEnd)
    }

    /// All OBUs of a low-overhead stream (a temporal unit as IVF stores it).
    static func parseStream(_ bytes: [UInt8]) -> [AV1OBU]? {
        var obus: [AV1OBU] = []
        var i = 0
        while i < bytes.count {
            guard let (obu, next) = parse(bytes, at: i, end: bytes.count) else { return nil }
            obus.append(obu)
            i = next
        }
        return obus
    }

    /// The low-overhead form: has_size set, LEB128 size, payload.
    var lowOverheadBytes: [UInt8] {
        var out: [UInt8] = [header | 0x02]
        if let e = extensionByte { out.append(e) }
        Self.appendLEB128(UInt64(payload.count), to: &out)
        out += payload
        return out
    }

    /// The RTP form: has_size cleared, no size (AV1 RTP spec §4.3: SHOULD be 0).
    var rtpElementBytes: [UInt8] {
        var out: [UInt8] = [header & ~0x02]
        if let e = extensionByte { out.append(e) }
        out += payload
        return out
    }

    /// Reads an unsigned LEB128 of at most 8 bytes (§4.10.5).
    static func readLEB128(_ bytes: [UInt8], at offset: Int, end: Int) -> (UInt64, length: Int)? {
        var value: UInt64 = 0
        for i in 0..<8 {
            guard offset + i < end else { return nil }
            let b = bytes[offset + i]
            value |= UInt64(b & 0x7F) << (7 * UInt64(i))
            if b & 0x80 == 0 { return (value, i + 1) }
        }
        return nil
    }

    static func appendLEB128(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        repeat {
            let b = UInt8(v & 0x7F)
            v >>= 7
            out.append(v != 0 ? b | 0x80 : b)
        } while v != 0
    }

    static func lengthOfLEB128(_ value: Int) -> Int {
        var n = 1
        var v = value >> 7
        while v != 0 {
            n += 1
            v >>= 7
        }
        return n
    }

    /// Whether a temporal unit starts with a key frame (§5.9.2: show_existing_frame 0 and
    /// frame_type KEY_FRAME, or a reduced still-picture sequence header).
    static func isKeyframe(_ obus: [AV1OBU]) -> Bool {
        var reducedStillPicture = false
        for obu in obus {
            switch obu.type {
            case sequenceHeader:
                guard let b = obu.payload.first else { return false }
                reducedStillPicture = b & 0x08 != 0
            case frame, frameHeader:
                if reducedStillPicture { return true }
                guard let b = obu.payload.first else { return false }
                return b & 0x80 == 0 && b >> 5 & 0x03 == 0
            default:
                continue
            }
        }
        return false
    }
}
