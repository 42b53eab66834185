import RTCDTLS

/// Length checks done before a packet reaches libsrtp, so that garbage is refused here rather
/// than trusted to every libsrtp version's own checks.
enum SRTPPacketCheck {
    /// Largest packet taken: a UDP datagram's payload.
    static let maxPacketLength = 65_535

    /// Authentication tag bytes per profile: RFC 3711 §4.2 (80 or 32 bits), RFC 7714 §7 (16 bytes).
    static func tagLength(_ profile: SRTPProtectionProfile, rtcp: Bool) -> Int {
        switch profile {
        case .aes128CmHmacSha1_80: return 10
        case .aes128CmHmacSha1_32: return rtcp ? 10 : 4  // SRTCP keeps 80 bits (RFC 5764 §4.1.2)
        case .aeadAes128Gcm, .aeadAes256Gcm: return 16
        }
    }

    /// RTP: version 2 and the fixed header, CSRCs and extension within the packet (RFC 3550 §5.1);
    /// RTCP: at least the 8-byte header with the sender's SSRC (RFC 3550 §6.4).
    static func plainAcceptable(_ bytes: UnsafeRawBufferPointer, rtcp: Bool) -> Bool {
        guard bytes.count <= maxPacketLength else { return false }
        if rtcp { return bytes.count >= 8 && bytes[0] >> 6 == 2 }
        guard let header = rtpHeaderLength(bytes) else { return false }
        return header <= bytes.count
    }

    /// A protected packet must also hold its tag; SRTCP its 4-byte E-flag and index (RFC 3711 §3.4).
    static func protectedAcceptable(_ bytes: UnsafeRawBufferPointer, rtcp: Bool,
                                    profile: SRTPProtectionProfile) -> Bool {
        guard bytes.count <= maxPacketLength else { return false }
        let tag = tagLength(profile, rtcp: rtcp)
        if rtcp { return bytes.count >= 8 + 4 + tag && bytes[0] >> 6 == 2 }
        guard let header = rtpHeaderLength(bytes) else { return false }
        return header + tag <= bytes.count
    }

    /// Fixed header + CSRC list + header extension (RFC 3550 §5.3.1), or nil when the packet
    /// is too short to say or not version 2.
    static func rtpHeaderLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 12, bytes[0] >> 6 == 2 else { return nil }
        var length = 12 + 4 * Int(bytes[0] & 0x0F)
        if bytes[0] & 0x10 != 0 {
            guard bytes.count >= length + 4 else { return nil }
            length += 4 + 4 * (Int(bytes[length + 2]) << 8 | Int(bytes[length + 3]))
        }
        return length
    }
}
