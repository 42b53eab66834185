import RTCCore
import COpenSSL

/// DTLS 1.2 (RFC 6347) over a lower datagram transport, with OpenSSL driven through memory BIOs.
///
/// One layer of the stack (libdatachannel's `DtlsTransport` has the same place): it owns the lower
/// transport (ICE in production, `MemoryLink` in tests), takes encrypted datagrams from below,
/// and gives application data records to the layer above (SCTP, RFC 8261). Every call happens on
/// `configuration.loop`; there are no threads and no locks.
///
/// - The handshake authenticates the peer only by the fingerprint from its SDP (RFC 8122 §5,
///   RFC 8842 §5.1): OpenSSL accepts the self-signed certificate and this class compares its
///   digest with `remoteFingerprints`. On mismatch the transport fails and never delivers data.
/// - Handshake retransmission (RFC 6347 §4.2.4) is OpenSSL's own, timed with
///   `DTLSv1_get_timeout` and fired by `DTLSv1_handle_timeout` from a timer on our loop. Its
///   durations come from our `DTLS_set_timer_cb`: 100 ms to start (2 x the ICE round trip when
///   `start(roundTripTime:)` knows it), doubling up to 60 s, instead of OpenSSL's fixed 1 s.
///   OpenSSL 3.0 measures that timeout on the wall clock, so on a `ManualEventLoop` a
///   retransmission happens only once real time has also passed.
/// - `peerIsListening()` resends the ClientHello at once, once: peers that drop DTLS until their
///   own ICE is connected (Janus, libdatachannel) would otherwise wait for the timer.
/// - Each `send` is one `SSL_write`, hence one record: SCTP packets map 1:1 to records.
/// - With `srtpProfiles` non-empty the `use_srtp` extension is offered (RFC 5764 §4.1) and after
///   the handshake `srtpKeyingMaterial` holds the exported keys (RFC 5764 §4.2).
package final class DTLSTransport: PacketTransport {
    /// Everything the transport needs from its environment.
    package struct Configuration {
        /// The loop that owns this connection's stack.
        var loop: EventLoop
        /// Client (active) sends the ClientHello; server (passive) answers (RFC 8842 §5).
        var role: DTLSRole
        var certificate: DTLSCertificate
        /// Fingerprints from the peer's SDP; the peer's certificate must match one (RFC 8122 §5).
        var remoteFingerprints: [DTLSFingerprint]
        /// Largest datagram handed down, DTLS header included. 1200 fits every WebRTC path.
        var mtu: Int = 1200
        /// Offered in preference order; empty disables `use_srtp` (data channels only).
        var srtpProfiles: [SRTPProtectionProfile] = DTLSTransport.defaultSRTPProfiles
        /// OpenSSL cipher list, ECDSA AES-128-GCM first (what Chromium and aiortc pick); AEAD only
        /// (see `defaultCipherList`).
        var cipherList: String = DTLSTransport.defaultCipherList
        /// First handshake retransmission timeout when the round trip is unknown; doubled per
        /// retransmission up to 60 s (RFC 6347 §4.2.4.1). RFC 6347 suggests 1 s, but a lost
        /// first flight is common in WebRTC (the peer's ICE is not ready yet) while round trips
        /// are short, so 100 ms as libwebrtc-like stacks do. Raised to at least 50 ms
        /// (`minimumRetransmitTimeout`).
        var initialRetransmitTimeout: Duration = .milliseconds(100)
        /// A context made ahead for `certificate` (`DTLSContext`); used when it fits these settings.
        package var preparedContext: DTLSContext?
        /// Fails the transport with `.handshakeTimeout` when not connected this long after `start()`.
        var handshakeTimeout: Duration = .seconds(30)
        /// Datagrams kept from below before `start()`, and records kept for the upper layer
        /// before `onReceive` is set; more are dropped.
        var maxHeldPackets: Int = 256

        package init(loop: EventLoop, role: DTLSRole, certificate: DTLSCertificate,
             remoteFingerprints: [DTLSFingerprint]) {
            self.loop = loop
            self.role = role
            self.certificate = certificate
            self.remoteFingerprints = remoteFingerprints
        }
    }

    /// AEAD suites only. With a CBC suite OpenSSL 3.0 negotiates encrypt-then-MAC (RFC 7366) and
    /// then fails the whole connection on any record with a bad MAC, so one forged datagram from
    /// the peer's address would end the session; a bad AEAD tag is silently discarded. Every
    /// WebRTC stack offers ECDHE-ECDSA-AES128-GCM-SHA256 (RFC 8827 §6.5).
    static let defaultCipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// GCM first (RFC 7714), then the profile every WebRTC stack has (RFC 8827 §6.5).
    static let defaultSRTPProfiles: [SRTPProtectionProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80]

    /// Largest plaintext one record carries (RFC 6347 §4.1 / RFC 5246 §6.2.1).
    static let maxRecordPayload = 16_384

    /// Floor of the first retransmission timeout. OpenSSL counts a timer with less than 15 ms
    /// left as expired, and checks it before reading each record: a shorter timer would resend
    /// a flight just before reading the answer that was already on its way.
    static let minimumRetransmitTimeout: Duration = .milliseconds(50)
    /// Ceiling of the first timeout derived from a measured round trip.
    static let maximumInitialRetransmitTimeout: Duration = .seconds(3)

    let configuration: Configuration
    let lower: PacketTransport
    private var loop: EventLoop { configuration.loop }

    /// Fingerprints the peer's certificate is checked against; may be replaced until the
    /// handshake reaches the peer's Certificate message (e.g. when the remote SDP arrives late).
    var remoteFingerprints: [DTLSFingerprint]

    private(set) package var state: DTLSTransportState = .new
    /// Called on the loop after each state change.
    package var onStateChange: ((DTLSTransportState) -> Void)?
    /// Decrypted application data records, one call per record.
    package var onReceive: (([UInt8]) -> Void)? {
        didSet { deliverHeldRecords() }
    }
    /// Like `onReceive`, but with the record in OpenSSL's read buffer, valid only during the
    /// call: SCTP copies it into its own buffers anyway, so an array per record would be waste.
    /// When set it is used instead of `onReceive`; set through `setBorrowingReceiver`.
    private var onReceiveBytes: ((UnsafeRawBufferPointer) -> Void)? {
        didSet { deliverHeldRecords() }
    }

    package func setBorrowingReceiver(_ receiver: ((UnsafeRawBufferPointer) -> Void)?) {
        onReceiveBytes = receiver
    }

    /// Keys for SRTP once connected, when a profile was negotiated.
    private(set) package var srtpKeyingMaterial: SRTPKeyingMaterial?
    /// The fingerprint (of those expected) that the peer's certificate matched.
    private(set) var verifiedRemoteFingerprint: DTLSFingerprint?
    /// OpenSSL's name of the negotiated cipher suite once connected.
    private(set) var negotiatedCipher: String?

    // OpenSSL objects, owned: `SSL *` frees its BIOs.
    let context: OpaquePointer  // internal: tests check which context a connection took
    private let ssl: OpaquePointer
    private let readBIO: OpaquePointer
    private let writeBIO: OpaquePointer

    private var retransmitTimer: ScheduledTask?
    private var handshakeTimer: ScheduledTask?
    private var heldFromBelow: [[UInt8]] = []
    private var heldForAbove: [[UInt8]] = []
    private var readBuffer = [UInt8](repeating: 0, count: DTLSTransport.maxRecordPayload + 1024)
    /// What OpenSSL wrote, read out of the write BIO; grows to the largest flight seen.
    private var writeBuffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
    private var writeBufferCapacity = 4096
    /// Set by the verify callback when the peer's certificate is rejected.
    private var verifyError: DTLSError?
    /// Retransmission timeout in microseconds for OpenSSL's first timer of each flight.
    private(set) var initialTimeoutMicros: UInt32
    /// The datagrams of our latest ClientHello, while it is unanswered (client only).
    private var firstFlight: [[UInt8]] = []
    /// `peerIsListening()` resent the first flight already: once on a plain check, once more on
    /// the first nominating one.
    private var firstFlightKicked = false
    private var firstFlightKickedOnNomination = false
    /// More copies of an unanswered ClientHello after the peer's first nominating check: the
    /// peer counts itself connected only once our answer to that check has reached it, and may
    /// set up its DTLS only then. Against Janus (TextRoom, Janus the DTLS server) the copy sent
    /// beside our answer was dropped in 7 of 9 rounds, and OpenSSL's first timer (50 ms) brought
    /// the one that got through. Copies 10, 30 and 70 ms after the check (gaps doubling,
    /// `nominationFollowUps` in all) left the timer needed in 1 of 18 rounds (a loaded machine).
    static let nominationFollowUp: Duration = .milliseconds(10)
    static let nominationFollowUps = 3
    private var followUpTimer: ScheduledTask?
    /// What may reach OpenSSL from below (only what the peer's keys can authenticate changes
    /// the session), and how much did not.
    private var recordFilter = DTLSRecordFilter()
    /// Records dropped from below, by reason (logged at debug level when the transport ends).
    var droppedRecords: DTLSRecordFilter.Counters { recordFilter.counters }

    /// Creates the transport and attaches to `lower.onReceive`. Nothing is sent before `start()`;
    /// datagrams arriving earlier are held.
    /// - Throws: `DTLSError.openSSL` when the OpenSSL context cannot be set up.
    package init(configuration: Configuration, lower: PacketTransport) throws {
        let objects = try Self.makeSSL(configuration)
        self.configuration = configuration
        self.lower = lower
        remoteFingerprints = configuration.remoteFingerprints
        context = objects.context
        ssl = objects.ssl
        readBIO = objects.readBIO
        writeBIO = objects.writeBIO
        initialTimeoutMicros = Self.timeoutMicros(configuration.initialRetransmitTimeout)
        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        DTLS_set_timer_cb(ssl, dtlsTimerCallback)
        lower.onReceive = { [weak self] packet in self?.receiveFromBelow(packet) }
    }

    deinit {
        retransmitTimer?.cancel()
        handshakeTimer?.cancel()
        followUpTimer?.cancel()
        SSL_free(ssl)
        SSL_CTX_free(context)
        writeBuffer.deallocate()
    }

    // MARK: - Upper-layer API

    /// Begins the handshake: a client sends its ClientHello, a server waits for one. Call once,
    /// when the lower transport can carry datagrams (ICE connected). Held datagrams are fed now.
    /// - Parameter roundTripTime: the path's round trip when known (ICE checks); the first
    ///   retransmission timeout is then twice it, within 50 ms...3 s, instead of
    ///   `initialRetransmitTimeout`.
    package func start(roundTripTime: Duration? = nil) {
        guard state == .new else { return }
        if let roundTripTime {
            let doubled = roundTripTime + roundTripTime
            initialTimeoutMicros = Self.timeoutMicros(min(doubled, Self.maximumInitialRetransmitTimeout))
            Log.debug("DTLS first retransmission after \(initialTimeoutMicros / 1000) ms "
                + "(ICE round trip \(Int(roundTripTime.milliseconds)) ms)", "dtls")
        }
        transition(to: .connecting)
        handshakeTimer = loop.schedule(in: configuration.handshakeTimeout) { [weak self] in
            self?.fail(.handshakeTimeout)
        }
        driveHandshake()
        let held = heldFromBelow
        heldFromBelow.removeAll()
        for packet in held { receiveFromBelow(packet) }
    }

    /// The peer has just shown that it listens (an authenticated ICE check of its own arrived).
    /// When our ClientHello is out and unanswered, it is resent at once, once: Janus and
    /// libdatachannel drop DTLS that arrives before their ICE is connected, and the timer would
    /// make them wait. The bytes go out unchanged: a peer that did get the first copy discards
    /// the second as a replay (RFC 6347 §4.1.2.6), one that dropped it never saw it.
    package func peerIsListening(nominating: Bool = false) {
        guard firstFlightUnanswered else { return }
        // A peer whose agent is controlling may count itself connected only once its nomination
        // succeeded (libnice in Janus): a resend on an earlier check can still be dropped, so the
        // first nominating check earns one more, and a follow-up shortly after.
        if nominating && !firstFlightKickedOnNomination {
            firstFlightKickedOnNomination = true
            followUp(after: Self.nominationFollowUp, remaining: Self.nominationFollowUps)
        } else if !firstFlightKicked {
            firstFlightKicked = true
        } else {
            return
        }
        resendFirstFlight(because: "the peer's ICE check shows it listens")
    }

    private func followUp(after delay: Duration, remaining: Int) {
        guard remaining > 0 else { return }
        followUpTimer = loop.schedule(in: delay) { [weak self] in
            guard let self else { return }
            followUpTimer = nil
            guard firstFlightUnanswered else { return }
            resendFirstFlight(because: "the peer's nomination should have succeeded by now")
            followUp(after: delay + delay, remaining: remaining - 1)
        }
    }

    /// Our ClientHello is out and nothing answered it yet.
    private var firstFlightUnanswered: Bool {
        configuration.role == .client && state == .connecting && !firstFlight.isEmpty
            && SSL_get_state(ssl) == TLS_ST_CW_CLNT_HELLO
    }

    /// Callers check `firstFlightUnanswered` first.
    private func resendFirstFlight(because reason: String) {
        Log.debug("DTLS resending the ClientHello: \(reason)", "dtls")
        for datagram in firstFlight { lower.send(datagram) }
    }

    /// Encrypts `packet` as one application data record and sends it down.
    /// - Returns: false when not connected, `packet` is empty or larger than one record, or
    ///   OpenSSL refused it.
    @discardableResult
    package func send(_ packet: [UInt8]) -> Bool {
        packet.withUnsafeBytes { send(bytes: $0) }
    }

    /// `send(_:)` straight from the caller's buffer (SCTP's output), without an array.
    @discardableResult
    package func send(bytes packet: UnsafeRawBufferPointer) -> Bool {
        guard state == .connected, !packet.isEmpty, packet.count <= Self.maxRecordPayload else { return false }
        clearErrors()
        let written = SSL_write(ssl, packet.baseAddress, Int32(packet.count))
        if written <= 0 {
            let error = SSL_get_error(ssl, written)
            flushOutgoing()
            if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE {
                fail(.connectionFailed(reason: Self.describe(error)))
            }
            return false
        }
        flushOutgoing()
        return true
    }

    /// Sends close_notify (RFC 5246 §7.2.1) when connected and moves to `closed`.
    package func close() {
        switch state {
        case .connected:
            clearErrors()
            _ = SSL_shutdown(ssl)
            _ = drainOpenSSLErrors()
            flushOutgoing()
        case .new, .connecting:
            break
        case .closed, .failed:
            return
        }
        stopTimers()
        heldFromBelow.removeAll()
        logDroppedRecords()
        transition(to: .closed)
    }

    /// One debug line when anything was dropped from below (`-v`), for tests and diagnosis.
    private func logDroppedRecords() {
        guard recordFilter.counters.total > 0 else { return }
        Log.debug("DTLS dropped \(recordFilter.counters) records from below", "dtls")
    }

    // MARK: - From below

    private func receiveFromBelow(_ packet: [UInt8]) {
        switch state {
        case .new:
            if heldFromBelow.count < configuration.maxHeldPackets { heldFromBelow.append(packet) }
            return
        case .closed, .failed:
            return
        case .connecting, .connected:
            break
        }
        // Anything that cannot be a DTLS record is noise (RFC 7983 §7); OpenSSL would drop it too.
        guard DTLSRecord.looksLikeDTLS(packet), let (packet, applicationRecords) = recordFilter.filter(packet) else {
            Log.trace("dropping \(packet.count)-byte datagram without valid DTLS records", "dtls")
            return
        }
        let wasConnected = state == .connected
        // One datagram at a time: OpenSSL reads the whole BIO as one datagram and drops the rest
        // of a datagram after a bad record, so feeding several at once could lose good ones.
        _ = BIO_write(readBIO, packet, Int32(packet.count))
        if state == .connecting {
            Log.trace("DTLS handshake: got \(packet.count) bytes", "dtls")
            driveHandshake()
        }
        if state == .connected {
            let delivered = readApplicationData()
            // OpenSSL discards a record that fails authentication (or is a replay) silently.
            if wasConnected, delivered < applicationRecords {
                recordFilter.countUndelivered(applicationRecords - delivered)
            }
        }
        // Whatever OpenSSL did not consume (only possible after a failure) must not leak into the
        // next datagram.
        if rtc_BIO_ctrl_pending(readBIO) > 0 { _ = BIO_ctrl(readBIO, BIO_CTRL_RESET, 0, nil) }
    }

    // MARK: - Handshake

    private func driveHandshake() {
        clearErrors()
        let result = SSL_do_handshake(ssl)
        let error = result == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl, result)
        let reason = error == SSL_ERROR_SSL ? drainOpenSSLErrors() : Self.describe(error)
        flushOutgoing()
        if result == 1 {
            handshakeFinished()
            return
        }
        // Encrypted records can be checked (and accepted) once the cipher is chosen: the client
        // learns it from the ServerHello, the server when it answers the ClientHello.
        if recordFilter.minimumCiphertext == nil, let cipher = SSL_get_pending_cipher(ssl) {
            recordFilter.minimumCiphertext = DTLSRecordFilter.minimumCiphertext(of: cipher)
        }
        switch error {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            armRetransmitTimer()
        default:
            fail(verifyError ?? .handshakeFailed(reason: reason))
        }
    }

    private func handshakeFinished() {
        // The verify callback ran during the handshake; check again on the final certificate so a
        // path that skipped the callback cannot connect unverified.
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            fail(.noPeerCertificate)
            return
        }
        defer { X509_free(peer) }
        do {
            verifiedRemoteFingerprint = try matchFingerprint(of: peer)
            srtpKeyingMaterial = try exportSRTPKeys()
        } catch let error as DTLSError {
            fail(error)
            return
        } catch {
            fail(.handshakeFailed(reason: "\(error)"))
            return
        }
        if let cipher = SSL_get_current_cipher(ssl) {
            if let name = SSL_CIPHER_get_name(cipher) { negotiatedCipher = String(cString: name) }
            recordFilter.minimumCiphertext = DTLSRecordFilter.minimumCiphertext(of: cipher)
        }
        recordFilter.connected = true
        handshakeTimer?.cancel()
        handshakeTimer = nil
        firstFlight.removeAll()
        armRetransmitTimer()
        Log.debug("DTLS connected as \(configuration.role), cipher \(negotiatedCipher ?? "?")", "dtls")
        transition(to: .connected)
    }

    /// Checks `x509` against the expected fingerprints (RFC 8122 §5: any one may match).
    private func matchFingerprint(of x509: OpaquePointer) throws -> DTLSFingerprint {
        guard !remoteFingerprints.isEmpty else { throw DTLSError.missingRemoteFingerprint }
        for expected in remoteFingerprints {
            if let actual = try? DTLSFingerprint.of(x509: x509, algorithm: expected.algorithm), actual == expected {
                return expected
            }
        }
        let actual = try DTLSFingerprint.of(x509: x509, algorithm: .sha256)
        throw DTLSError.fingerprintMismatch(expected: remoteFingerprints.map(\.sdpValue), actual: actual.sdpValue)
    }

    /// Called from OpenSSL's verify callback for the peer's leaf certificate.
    func verifyPeerCertificate(_ x509: OpaquePointer) -> Bool {
        do {
            verifiedRemoteFingerprint = try matchFingerprint(of: x509)
            return true
        } catch {
            verifyError = error as? DTLSError ?? .handshakeFailed(reason: "\(error)")
            return false
        }
    }

    /// Exports SRTP keys when the peer accepted one of our profiles (RFC 5764 §4.2).
    private func exportSRTPKeys() throws -> SRTPKeyingMaterial? {
        guard !configuration.srtpProfiles.isEmpty, let selected = SSL_get_selected_srtp_profile(ssl),
            let profile = SRTPProtectionProfile(rawValue: UInt16(truncatingIfNeeded: selected.pointee.id))
        else { return nil }
        let label = "EXTRACTOR-dtls_srtp"
        var material = [UInt8](repeating: 0, count: 2 * (profile.keyLength + profile.saltLength))
        let ok = SSL_export_keying_material(ssl, &material, material.count, label, label.utf8.count, nil, 0, 0)
        guard ok == 1 else { throw DTLSError.openSSL("SSL_export_keying_material") }
        return SRTPKeyingMaterial(profile: profile, exported: material, isClient: configuration.role == .client)
    }

    // MARK: - Application data

    /// Reads and delivers every record OpenSSL has; returns how many were delivered.
    @discardableResult
    private func readApplicationData() -> Int {
        var delivered = 0
        while state == .connected {
            clearErrors()
            let count = readBuffer.withUnsafeMutableBytes { buffer in
                SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
            }
            if count > 0 {
                if let onReceiveBytes {
                    readBuffer.withUnsafeBytes { onReceiveBytes(UnsafeRawBufferPointer(rebasing: $0[0..<Int(count)])) }
                } else {
                    deliverUp(Array(readBuffer[0..<Int(count)]))
                }
                delivered += 1
                // One record per datagram is the rule: when nothing is left in the BIO or in
                // OpenSSL's buffers, another SSL_read would only say WANT_READ.
                if rtc_BIO_ctrl_pending(readBIO) == 0 && SSL_has_pending(ssl) == 0 { break }
                continue
            }
            let error = SSL_get_error(ssl, count)
            let reason = error == SSL_ERROR_SSL ? drainOpenSSLErrors() : Self.describe(error)
            // SSL_read may answer the peer (retransmitted last flight, alerts).
            flushOutgoing()
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return delivered
            case SSL_ERROR_ZERO_RETURN:
                Log.debug("DTLS close_notify received", "dtls")
                logDroppedRecords()
                stopTimers()
                transition(to: .closed)
                return delivered
            default:
                fail(.connectionFailed(reason: reason))
                return delivered
            }
        }
        flushOutgoing()
        return delivered
    }

    private func deliverUp(_ record: [UInt8]) {
        if let onReceiveBytes {
            record.withUnsafeBytes { onReceiveBytes($0) }
        } else if let onReceive {
            onReceive(record)
        } else if heldForAbove.count < configuration.maxHeldPackets {
            heldForAbove.append(record)
        }
    }

    private func deliverHeldRecords() {
        guard onReceive != nil || onReceiveBytes != nil, !heldForAbove.isEmpty else { return }
        let held = heldForAbove
        heldForAbove.removeAll()
        for record in held { deliverUp(record) }
    }

    // MARK: - Output and timers

    /// Hands everything OpenSSL wrote to the lower transport, records packed into MTU-sized
    /// datagrams (a memory BIO keeps records back to back, without datagram boundaries).
    private func flushOutgoing() {
        let pending = Int(rtc_BIO_ctrl_pending(writeBIO))
        guard pending > 0 else { return }
        // One reused buffer: a record per SCTP packet must not cost an allocation.
        if pending > writeBufferCapacity {
            writeBuffer.deallocate()
            writeBufferCapacity = max(pending, 2 * writeBufferCapacity)
            writeBuffer = UnsafeMutableRawPointer.allocate(byteCount: writeBufferCapacity, alignment: 16)
        }
        let read = BIO_read(writeBIO, writeBuffer, Int32(pending))
        guard read > 0 else { return }
        let output = UnsafeRawBufferPointer(start: writeBuffer, count: Int(read))
        if state == .connecting, configuration.role == .client {
            // Kept for `peerIsListening()` while the ClientHello is what we sent last.
            firstFlight.removeAll()
            if SSL_get_state(ssl) == TLS_ST_CW_CLNT_HELLO {
                DTLSRecord.forEachDatagram(in: output, mtu: configuration.mtu) { firstFlight.append(Array($0)) }
            }
        }
        if state == .connecting { Log.trace("DTLS handshake: sent \(read) bytes", "dtls") }
        DTLSRecord.forEachDatagram(in: output, mtu: configuration.mtu) { lower.send(bytes: $0) }
    }

    /// `duration` in microseconds within `minimumRetransmitTimeout`...60 s, for OpenSSL's timer.
    static func timeoutMicros(_ duration: Duration) -> UInt32 {
        let micros = duration.nanoseconds / 1000
        return UInt32(max(minimumRetransmitTimeout.nanoseconds / 1000, min(Int64(60_000_000), micros)))
    }

    /// ERR_clear_error walks all 16 slots of the thread's error queue; peeking first makes the
    /// usual case (queue already empty) cheap on the per-record path.
    private func clearErrors() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Schedules `DTLSv1_handle_timeout` for when OpenSSL's retransmission timer expires.
    private func armRetransmitTimer() {
        retransmitTimer?.cancel()
        retransmitTimer = nil
        var remaining = timeval()
        guard rtc_DTLSv1_get_timeout(ssl, &remaining) == 1 else { return }
        let delay = Duration.seconds(Int64(remaining.tv_sec)) + .microseconds(Int64(remaining.tv_usec))
        retransmitTimer = loop.schedule(in: delay) { [weak self] in self?.retransmitTimerFired() }
    }

    private func retransmitTimerFired() {
        retransmitTimer = nil
        guard state == .connecting || state == .connected else { return }
        ERR_clear_error()
        let result = rtc_DTLSv1_handle_timeout(ssl)
        flushOutgoing()
        if result < 0 {
            let reason = drainOpenSSLErrors(fallback: "retransmission limit reached")
            fail(state == .connecting ? .handshakeFailed(reason: reason) : .connectionFailed(reason: reason))
            return
        }
        if result > 0 { Log.debug("DTLS retransmitted flight", "dtls") }
        armRetransmitTimer()
    }

    private func stopTimers() {
        retransmitTimer?.cancel()
        retransmitTimer = nil
        followUpTimer?.cancel()
        followUpTimer = nil
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }

    // MARK: - State

    private func fail(_ error: DTLSError) {
        guard !state.isTerminal else { return }
        flushOutgoing()  // a fatal alert, when OpenSSL wrote one
        stopTimers()
        heldFromBelow.removeAll()
        heldForAbove.removeAll()
        // Reported to the owner through the state change; at the default level the caller's own
        // error line is the only one (a second, identical stderr line confuses users and tests).
        Log.info("DTLS failed: \(error)", "dtls")
        logDroppedRecords()
        transition(to: .failed(error))
    }

    private func transition(to next: DTLSTransportState) {
        guard state.canTransition(to: next) else { return }
        state = next
        onStateChange?(next)
    }

    private static func describe(_ sslError: Int32) -> String {
        switch sslError {
        case SSL_ERROR_NONE: return "no error"
        case SSL_ERROR_ZERO_RETURN: return "peer sent close_notify"
        case SSL_ERROR_SYSCALL: return drainOpenSSLErrors(fallback: "unexpected end of input")
        case SSL_ERROR_SSL: return drainOpenSSLErrors()
        default: return "SSL_get_error \(sslError): " + drainOpenSSLErrors(fallback: "no details")
        }
    }
}
