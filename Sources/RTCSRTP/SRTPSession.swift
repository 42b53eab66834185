import RTCDTLS
#if canImport(Glibc)
import Glibc
#endif
import CSRTP

/// SRTP and SRTCP for one DTLS-SRTP association (RFC 3711, RFC 7714, keys per RFC 5764 §4.2).
///
/// Two libsrtp contexts: the outbound one protects with the local master key for any SSRC we
/// send, the inbound one unprotects with the remote master key for any SSRC the peer sends
/// (libsrtp allows one such template per context). Inbound packets that fail authentication or
/// the replay check are dropped and counted, never returned.
///
/// Not thread-safe: one event-loop thread owns a session (STACK-NOTES "one thread owns the stack").
package final class SRTPSession {
    /// Inbound replay window in packets: how late a reordered packet may arrive (libsrtp's
    /// default is 128; video at high rates needs more, as libwebrtc does).
    static let defaultReplayWindow = 1024
    /// Outbound window: a NACKed packet can be protected again (same index, same payload, so
    /// the same ciphertext) while it is at most this many packets behind the newest we sent.
    static let defaultRetransmitWindow = 4096

    let profile: SRTPProtectionProfile
    private let library: SRTPLibrary
    private let outbound: OpaquePointer
    private let inbound: OpaquePointer
    /// Where the borrowing `protect…(bytes:)` variants build packets; grows, never shrinks.
    private var scratch: UnsafeMutableRawBufferPointer

    /// RTP counters only.
    private(set) var rtpStatistics = SRTPStatistics()
    /// SRTCP counters only.
    private(set) var rtcpStatistics = SRTPStatistics()
    /// RTP and SRTCP together.
    package var statistics: SRTPStatistics { rtpStatistics + rtcpStatistics }

    /// A session for the keys a DTLS handshake exported.
    /// - Throws: `SRTPError` when libsrtp2 cannot be loaded or refuses the keys.
    package convenience init(keying: SRTPKeyingMaterial) throws {
        try self.init(
            profile: keying.profile, localMasterKey: keying.localMasterKey, remoteMasterKey: keying.remoteMasterKey)
    }

    /// - Parameters:
    ///   - localMasterKey/remoteMasterKey: master key followed by master salt, as libsrtp takes them.
    ///   - replayWindow: inbound window in packets, 64...32767 (libsrtp's bounds).
    ///   - retransmitWindow: outbound window in packets, 64...32767.
    /// - Throws: `SRTPError`.
    init(profile: SRTPProtectionProfile, localMasterKey: [UInt8], remoteMasterKey: [UInt8],
         replayWindow: Int = SRTPSession.defaultReplayWindow,
         retransmitWindow: Int = SRTPSession.defaultRetransmitWindow) throws {
        let library = try SRTPLibrary.initialized.get()
        let expected = profile.keyLength + profile.saltLength
        for key in [localMasterKey, remoteMasterKey] where key.count != expected {
            throw SRTPError.badMasterKeyLength(profile: profile, expected: expected, got: key.count)
        }
        let outbound = try Self.create(library, profile, key: localMasterKey, ssrc: ssrc_any_outbound,
                                       window: retransmitWindow)
        let inbound: OpaquePointer
        do {
            inbound = try Self.create(library, profile, key: remoteMasterKey, ssrc: ssrc_any_inbound,
                                      window: replayWindow)
        } catch {
            _ = library.dealloc(outbound)
            throw error
        }
        self.profile = profile
        self.library = library
        self.outbound = outbound
        self.inbound = inbound
        scratch = .allocate(byteCount: 1500 + SRTPLibrary.maxTrailerLength, alignment: 16)
    }

    deinit {
        _ = library.dealloc(outbound)
        _ = library.dealloc(inbound)
        scratch.deallocate()
    }

    private static func create(_ library: SRTPLibrary, _ profile: SRTPProtectionProfile, key: [UInt8],
                               ssrc: srtp_ssrc_type_t, window: Int) throws -> OpaquePointer {
        var policy = srtp_policy_t()
        library.setPolicy(profile, rtp: &policy.rtp, rtcp: &policy.rtcp)
        policy.ssrc.type = ssrc
        policy.window_size = UInt(clamping: window)
        // Retransmissions (NACK without RTX) repeat an index with the same payload; libsrtp
        // refuses a repeated index on send unless this is set.
        policy.allow_repeat_tx = 1
        var session: srtp_t?
        let status = key.withUnsafeBufferPointer { key -> srtp_err_status_t in
            // libsrtp copies the key into its derived session keys and keeps no pointer.
            policy.key = UnsafeMutablePointer(mutating: key.baseAddress)
            return library.create(&session, &policy)
        }
        guard status == srtp_err_status_ok, let session else { throw SRTPError.createFailed(SRTPStatus(status)) }
        return session
    }

    // MARK: - Protect (outbound)

    /// The SRTP packet for an RTP packet, or nil (counted) when it is malformed or libsrtp
    /// refuses it (e.g. an index older than the retransmit window).
    func protectRTP(_ packet: [UInt8]) -> [UInt8]? {
        packet.withUnsafeBytes { protectCopy($0, rtcp: false) }
    }

    /// The SRTCP packet for an RTCP (compound) packet, or nil (counted).
    package func protectRTCP(_ packet: [UInt8]) -> [UInt8]? {
        packet.withUnsafeBytes { protectCopy($0, rtcp: true) }
    }

    /// Protects `bytes` into the session's reusable buffer and lends the SRTP packet to `body`
    /// (valid only during the call): no allocation per packet.
    /// - Returns: `body`'s result, or nil (counted) when the packet was refused and `body` not called.
    @discardableResult
    package func protectRTP<R>(bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        try protectBorrowing(bytes, rtcp: false, body)
    }

    /// `protectRTP(bytes:_:)` for RTCP.
    @discardableResult
    func protectRTCP<R>(bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        try protectBorrowing(bytes, rtcp: true, body)
    }

    private func protectCopy(_ bytes: UnsafeRawBufferPointer, rtcp: Bool) -> [UInt8]? {
        guard SRTPPacketCheck.plainAcceptable(bytes, rtcp: rtcp) else {
            count(rtcp) { $0.otherErrors += 1 }
            return nil
        }
        var ok = false
        let capacity = bytes.count + SRTPLibrary.maxTrailerLength
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.copyMemory(from: bytes)
            if let length = protectInPlace(raw, length: bytes.count, rtcp: rtcp) {
                initialized = length
                ok = true
            } else {
                initialized = 0
            }
        }
        return ok ? out : nil
    }

    private func protectBorrowing<R>(_ bytes: UnsafeRawBufferPointer, rtcp: Bool,
                                     _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R? {
        guard SRTPPacketCheck.plainAcceptable(bytes, rtcp: rtcp) else {
            count(rtcp) { $0.otherErrors += 1 }
            return nil
        }
        let needed = bytes.count + SRTPLibrary.maxTrailerLength
        if scratch.count < needed {
            scratch.deallocate()
            scratch = .allocate(byteCount: needed, alignment: 16)
        }
        UnsafeMutableRawBufferPointer(rebasing: scratch[..<bytes.count]).copyMemory(from: bytes)
        guard let length = protectInPlace(scratch, length: bytes.count, rtcp: rtcp) else { return nil }
        return try body(UnsafeRawBufferPointer(rebasing: scratch[..<length]))
    }

    /// `buffer` holds the packet in its first `length` bytes and has trailer room after them.
    private func protectInPlace(_ buffer: UnsafeMutableRawBufferPointer, length: Int, rtcp: Bool) -> Int? {
        var length = Int32(length)
        let status = rtcp
            ? library.protectRTCP(outbound, buffer.baseAddress, &length)
            : library.protect(outbound, buffer.baseAddress, &length)
        guard status == srtp_err_status_ok else {
            count(rtcp) { $0.otherErrors += 1 }
            return nil
        }
        count(rtcp) { $0.protected += 1 }
        return Int(length)
    }

    // MARK: - Unprotect (inbound)

    /// The RTP packet inside an SRTP packet; nil when dropped (authentication failure, replay,
    /// malformed), each counted.
    func unprotectRTP(_ packet: [UInt8]) -> [UInt8]? {
        unprotectCopy(packet, rtcp: false)
    }

    /// The RTCP packet inside an SRTCP packet; nil when dropped, counted.
    package func unprotectRTCP(_ packet: [UInt8]) -> [UInt8]? {
        unprotectCopy(packet, rtcp: true)
    }

    /// Unprotects the SRTP packet filling `buffer` where it lies (no copy).
    /// - Returns: the length of the RTP packet now at the start of `buffer`, or nil when dropped
    ///   (the buffer's contents are then unspecified).
    package func unprotectRTP(inPlace buffer: UnsafeMutableRawBufferPointer) -> Int? {
        unprotectInPlace(buffer, rtcp: false)
    }

    /// `unprotectRTP(inPlace:)` for SRTCP.
    func unprotectRTCP(inPlace buffer: UnsafeMutableRawBufferPointer) -> Int? {
        unprotectInPlace(buffer, rtcp: true)
    }

    private func unprotectCopy(_ packet: [UInt8], rtcp: Bool) -> [UInt8]? {
        var length: Int?
        let out = [UInt8](unsafeUninitializedCapacity: packet.count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            packet.withUnsafeBytes { raw.copyMemory(from: $0) }
            length = unprotectInPlace(raw, rtcp: rtcp)
            initialized = length ?? 0
        }
        return length == nil ? nil : out
    }

    private func unprotectInPlace(_ buffer: UnsafeMutableRawBufferPointer, rtcp: Bool) -> Int? {
        guard SRTPPacketCheck.protectedAcceptable(UnsafeRawBufferPointer(buffer), rtcp: rtcp, profile: profile) else {
            count(rtcp) { $0.otherErrors += 1 }
            return nil
        }
        var length = Int32(buffer.count)
        let status = rtcp
            ? library.unprotectRTCP(inbound, buffer.baseAddress, &length)
            : library.unprotect(inbound, buffer.baseAddress, &length)
        switch status {
        case srtp_err_status_ok:
            count(rtcp) { $0.unprotected += 1 }
            return Int(length)
        case srtp_err_status_auth_fail:
            count(rtcp) { $0.authenticationFailures += 1 }
        case srtp_err_status_replay_fail, srtp_err_status_replay_old:
            count(rtcp) { $0.replayDrops += 1 }
        default:
            count(rtcp) { $0.otherErrors += 1 }
        }
        return nil
    }

    private func count(_ rtcp: Bool, _ update: (inout SRTPStatistics) -> Void) {
        if rtcp { update(&rtcpStatistics) } else { update(&rtpStatistics) }
    }
}

extension SRTPLibrary {
    /// The libsrtp crypto policies of a profile. SRTCP of AES_CM_128_HMAC_SHA1_32 keeps the
    /// 80-bit tag (RFC 5764 §4.1.2).
    func setPolicy(_ profile: SRTPProtectionProfile, rtp: inout srtp_crypto_policy_t,
                   rtcp: inout srtp_crypto_policy_t) {
        switch profile {
        case .aes128CmHmacSha1_80:
            setAESCM128HMACSHA1_80(&rtp)
            setAESCM128HMACSHA1_80(&rtcp)
        case .aes128CmHmacSha1_32:
            setAESCM128HMACSHA1_32(&rtp)
            setAESCM128HMACSHA1_80(&rtcp)
        case .aeadAes128Gcm:
            setAESGCM128(&rtp)
            setAESGCM128(&rtcp)
        case .aeadAes256Gcm:
            setAESGCM256(&rtp)
            setAESGCM256(&rtcp)
        }
    }
}
