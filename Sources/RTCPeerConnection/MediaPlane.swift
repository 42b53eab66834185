import RTCCore
import RTCDTLS
import RTCRTP
import RTCSRTP
#if canImport(Glibc)
import Glibc
#endif

/// The media half of a connection: SRTP over the bundled ICE path (RFC 5764), packets routed to
/// and from the transceivers. Built with the other transports once roles are known; keyed when
/// DTLS connects. Packets that fail SRTP authentication or replay checks are dropped and counted
/// in `srtpStatistics`, never delivered; so is RTP no section claims.
final class MediaPlane {
    let loop: EventLoop
    private let demux: PacketDemux
    let transceivers: [MediaTransceiver]
    private var srtp: SRTPSession?
    /// Incoming SSRC → section, learned from descriptions and first packets.
    private var routes: [UInt32: MediaTransceiver] = [:]
    /// The last SSRC `route` looked up and its section (routes are only added, never changed).
    private var lastRoute: (ssrc: UInt32, transceiver: MediaTransceiver)?
    /// Incoming RTX SSRC (RFC 4588) → section, from `a=ssrc-group:FID` or the first RTX packet.
    private var rtxRoutes: [UInt32: MediaTransceiver] = [:]
    /// RTP that matched no section (unknown SSRC and payload type).
    private(set) var unroutable = 0
    /// RTCP that did not parse after authentication.
    private(set) var malformedRTCP = 0
    /// Kept between packets: received SRTP is copied here and unprotected in place.
    private var receiveBuffer: [UInt8] = []
    private var reportTimer: ScheduledTask?
    private var nackTimer: ScheduledTask?
    /// SRTP/SRTCP that came before our keys: the peer may send once its last DTLS flight is out,
    /// and when that flight is lost our keys come a retransmission later. Held (at most
    /// `earlyLimit`) and unprotected once keyed, so the stream's first keyframe is not lost to
    /// the handshake.
    private var early: [[UInt8]] = []
    static let earlyLimit = 256
    /// When `nackTimer` fires; nil when no timer is set (nothing missing: no polling).
    private(set) var nackDeadline: LoopInstant?
    /// Our CNAME in SDES (RFC 7022: per session, random).
    private let cname = String(UInt64.random(in: 1...UInt64.max), radix: 36)
    /// Reports go out about once a second (RFC 3550 §6.2 allows less than 5 s for video).
    static let reportInterval: Duration = .seconds(1)

    init(loop: EventLoop, demux: PacketDemux, transceivers: [MediaTransceiver]) {
        self.loop = loop
        self.demux = demux
        self.transceivers = transceivers.filter { $0.negotiated != nil }
        for t in self.transceivers {
            for s in t.negotiated?.remoteSSRCs ?? [] { routes[s] = t }
            for s in (t.negotiated?.remoteRTXSSRCs ?? [:]).keys { rtxRoutes[s] = t }
            if t.remoteSSRC == nil { t.remoteSSRC = t.negotiated?.remoteSSRCs.first }
        }
        demux.onMedia = { [weak self] packet in self?.receive(packet) }
    }

    var srtpStatistics: SRTPStatistics? { srtp?.statistics }

    /// Keys SRTP from the finished DTLS handshake and lets the transceivers send.
    /// - Throws: `SRTPError` when libsrtp refuses the keys or cannot be loaded.
    func start(keying: SRTPKeyingMaterial) throws {
        srtp = try SRTPSession(keying: keying)
        for t in transceivers {
            t.clock = { [loop] in loop.now }
            t.output = { [weak self] bytes in self?.sendRTP(bytes) ?? false }
            // Feedback alone is fine (reduced-size RTCP, RFC 5506) when negotiated.
            t.rtcpOutput = { [weak self] packets in self?.sendRTCP(RTCPPacket.serialize(packets)) }
            t.onNACKDue = { [weak self] due in self?.scheduleNACKs(at: due) }
        }
        reportTimer = loop.schedule(in: .milliseconds(Int64.random(in: 200...700))) { [weak self] in self?.sendReports() }
        let held = early
        early = []
        for datagram in held { datagram.withUnsafeBytes { receive($0) } }
    }

    /// The periodic compound packet per section: SR or RR, then SDES with our CNAME (RFC 3550 §6.1).
    private func sendReports() {
        let now = loop.now
        let ntp = Self.wallClockNTP()
        for t in transceivers {
            let packets: [RTCPPacket] = [t.report(at: now, ntpTime: ntp),
                                         .sourceDescription(RTCPSourceDescription(ssrc: t.ssrc, cname: cname))]
            sendRTCP(RTCPPacket.serialize(packets))
        }
        let jitter = Int64.random(in: -250...250)  // RFC 3550 §6.3.1: spread reports out
        reportTimer = loop.schedule(in: Self.reportInterval + .milliseconds(jitter)) { [weak self] in self?.sendReports() }
    }

    /// SR timestamps are wall-clock (RFC 3550 §6.4.1); round trips use the monotonic loop clock.
    private static func wallClockNTP() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return NTPTime.fromUnix(nanoseconds: UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
    }

    /// Sets the NACK timer for `due` unless it is already set to fire no later. The sections
    /// call this when a gap appears; after each run the timer is set for the earliest next
    /// deadline (`NACKGenerator.nextDeadline`), and not at all when nothing is missing.
    private func scheduleNACKs(at due: LoopInstant) {
        if let set = nackDeadline, set <= due { return }
        nackTimer?.cancel()
        nackDeadline = due
        let now = loop.now
        nackTimer = loop.schedule(in: due > now ? due.since(now) : .zero) { [weak self] in self?.sendNACKs() }
    }

    private func sendNACKs() {
        nackDeadline = nil
        nackTimer = nil
        let now = loop.now
        for t in transceivers {
            if let nack = t.pendingNACK(at: now) { sendRTCP(RTCPPacket.serialize([nack])) }
        }
        if let next = transceivers.compactMap({ $0.nextNACKDeadline() }).min() { scheduleNACKs(at: next) }
    }

    func close() {
        reportTimer?.cancel()
        nackTimer?.cancel()
        for t in transceivers {
            t.output = nil
            t.rtcpOutput = nil
            t.onNACKDue = nil
        }
        demux.onMedia = nil
        lastRoute = nil
        srtp = nil
        early = []
    }

    /// Protected in the SRTP session's buffer and copied into the socket's send batch: no
    /// allocation per packet.
    private func sendRTP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let srtp else { return false }
        let demux = demux
        return srtp.protectRTP(bytes: bytes) { demux.send(bytes: $0) } ?? false
    }

    @discardableResult
    private func sendRTCP(_ bytes: [UInt8]) -> Bool {
        guard let srtp, let protected = srtp.protectRTCP(bytes) else { return false }
        return demux.send(protected)
    }

    /// RTCP and RTP share the port (RFC 5761 §4). RTP is copied once, into `receiveBuffer`,
    /// unprotected there and handed to its section borrowed, its header read in place; only RTX
    /// (and a section's `onPacket`) makes an `RTPPacket`.
    private func receive(_ datagram: UnsafeRawBufferPointer) {
        guard datagram.count >= 8 else { return }
        guard let srtp else {
            if early.count < Self.earlyLimit { early.append(Array(datagram)) }
            return
        }
        if RTCPPacket.isRTCP(datagram) {
            guard let plain = srtp.unprotectRTCP(Array(datagram)) else { return }
            receiveRTCP(plain)
            return
        }
        // Taken out while in use: a section's callback that leads back here gets a buffer of its own.
        var buffer: [UInt8] = []
        swap(&buffer, &receiveBuffer)
        defer { swap(&buffer, &receiveBuffer) }
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: datagram)
        guard let length = buffer.withUnsafeMutableBytes({ srtp.unprotectRTP(inPlace: $0) }) else { return }
        buffer.removeLast(buffer.count - length)
        let now = loop.now
        buffer.withUnsafeBytes { plain in
            guard let header = RTPHeaderView(parsing: plain) else { return }
            if let t = route(ssrc: header.ssrc, payloadType: header.payloadType) {
                t.receive(wire: plain, header: header, at: now)
            } else if let packet = try? RTPPacket(parsing: Array(plain)), let t = rtxRoute(packet),
                      t.receiveRTX(packet, at: now) {
                return
            } else {
                unroutable += 1
            }
        }
    }

    /// The section whose RTX stream a packet is: by SSRC when the peer's FID group named it,
    /// else the one receiving section whose RTX payload type it carries and whose RTX SSRC is
    /// not known yet (a peer without `a=ssrc` lines), which then owns the SSRC.
    private func rtxRoute(_ packet: RTPPacket) -> MediaTransceiver? {
        if let t = rtxRoutes[packet.ssrc] { return t }
        guard routes.count + rtxRoutes.count < 64,
              let t = transceivers.first(where: { t in
                  t.negotiated?.rtxPayloadType == packet.payloadType && t.negotiated?.direction.receives == true
                      && !rtxRoutes.values.contains { $0 === t }
              })
        else { return nil }
        rtxRoutes[packet.ssrc] = t
        return t
    }

    /// The section a packet belongs to: by SSRC when known, else the one receiving section whose
    /// payload type it carries (RFC 9143 §9.2), which then owns the SSRC.
    private func route(ssrc: UInt32, payloadType: UInt8) -> MediaTransceiver? {
        if let t = lastRoute, t.ssrc == ssrc { return t.transceiver }
        if let t = routes[ssrc] {
            lastRoute = (ssrc, t)
            return t
        }
        guard routes.count + rtxRoutes.count < 64,
              let t = transceivers.first(where: {
                  $0.negotiated?.payloadType == payloadType && $0.negotiated?.direction.receives == true
                      && ($0.remoteSSRC == nil || $0.negotiated?.remoteSSRCs.isEmpty == true)
              })
        else { return nil }
        routes[ssrc] = t
        t.remoteSSRC = ssrc
        return t
    }

    /// Each packet of the compound goes to the sections it concerns.
    private func receiveRTCP(_ bytes: [UInt8]) {
        guard let packets = try? RTCPPacket.parse(compound: bytes) else {
            malformedRTCP += 1
            return
        }
        let now = loop.now
        for p in packets {
            for t in transceivers where t.concerns(p) { t.receive(p, at: now) }
        }
    }
}
