import Testing
@testable import RTCCore
@testable import RTCRTP
@testable import RTCMedia
@testable import RTCDTLS
@testable import RTCSRTP
@testable import RTCPeerConnection

/// The media plane's receive path on its own, fed SRTP by hand: packets that come before the
/// keys are held and delivered once keyed, and RTX from an SSRC no description named is
/// recognised by its payload type and unwrapped into the stream (RFC 4588 §4).
@Suite struct MediaPlaneReceiveTests {
    /// The transport under the demux: datagrams are injected with `deliver`, sends are kept.
    final class Wire: PacketTransport {
        var onReceive: (([UInt8]) -> Void)?
        private(set) var sent: [[UInt8]] = []

        func deliver(_ datagram: [UInt8]) { onReceive?(datagram) }

        @discardableResult
        func send(_ packet: [UInt8]) -> Bool {
            sent.append(packet)
            return true
        }
    }

    static let mediaSSRC: UInt32 = 0x1234_5678
    static let rtxSSRC: UInt32 = 0x0BAD_CAFE

    static func packet(_ seq: UInt16) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: mediaSSRC,
                  payload: [UInt8](repeating: UInt8(seq & 0xFF), count: 50))
    }

    /// A receiving VP8 section with NACK and RTX 97, the peer's SSRCs unsignalled, and the two
    /// SRTP ends: ours (in the plane, keyed by `start`) and the peer's.
    static func make(loop: ManualEventLoop) throws
        -> (Wire, MediaPlane, MediaTransceiver, SRTPSession, SRTPKeyingMaterial) {
        let material = (0..<56).map { UInt8($0 * 3 & 0xFF) }
        let ours = try #require(SRTPKeyingMaterial(profile: .aeadAes128Gcm, exported: material, isClient: true))
        let theirs = try #require(SRTPKeyingMaterial(profile: .aeadAes128Gcm, exported: material, isClient: false))
        let t = MediaTransceiver(mid: "1", request: MediaTransceiverInit(codec: .vp8, direction: .recvonly))
        t.negotiated = NegotiatedMedia(
            mid: "1", codec: .vp8, payloadType: 96, formatParameters: nil, direction: .recvonly,
            feedback: ["nack", "nack pli"], remoteSSRCs: [], rtxPayloadType: 97)
        let wire = Wire()
        let plane = MediaPlane(loop: loop, demux: PacketDemux(lower: wire), transceivers: [t])
        return (wire, plane, t, try SRTPSession(keying: theirs), ours)
    }

    @Test func srtpBeforeTheKeysIsDeliveredOnceKeyed() throws {
        let loop = ManualEventLoop()
        let (wire, plane, t, peer, keys) = try Self.make(loop: loop)
        defer { plane.close() }
        var got: [RTPPacket] = []
        t.onPacket = { got.append($0) }
        for seq: UInt16 in [1, 2] { wire.deliver(try #require(peer.protectRTP(Self.packet(seq).serialized()))) }
        #expect(got.isEmpty)
        try plane.start(keying: keys)
        wire.deliver(try #require(peer.protectRTP(Self.packet(3).serialized())))
        #expect(got == [Self.packet(1), Self.packet(2), Self.packet(3)])
        #expect(plane.srtpStatistics?.authenticationFailures == 0)
    }

    @Test func rtxFromAnUnsignalledSSRCIsUnwrappedByPayloadType() throws {
        let loop = ManualEventLoop()
        let (wire, plane, t, peer, keys) = try Self.make(loop: loop)
        defer { plane.close() }
        try plane.start(keying: keys)
        var got: [RTPPacket] = []
        t.onPacket = { got.append($0) }
        func send(_ p: RTPPacket) throws { wire.deliver(try #require(peer.protectRTP(p.serialized()))) }
        try send(Self.packet(10))
        try send(Self.packet(12))  // 11 lost: a NACK goes out on the timer
        loop.advance(by: .milliseconds(1))
        #expect(t.statistics.nacksSent == 1 && !wire.sent.isEmpty)
        var rtx = RTXStream(ssrc: Self.rtxSSRC, payloadType: 97, initialSequenceNumber: 500)
        try send(rtx.wrap(Self.packet(11)))
        // A padding-only RTX packet (a bandwidth probe) repairs nothing and is not unroutable.
        try send(RTPPacket(payloadType: 97, sequenceNumber: 501, timestamp: 0, ssrc: Self.rtxSSRC, payload: [],
                           paddingLength: 100))
        // RTX of a payload type not negotiated is not ours.
        try send(RTPPacket(payloadType: 99, sequenceNumber: 7, timestamp: 0, ssrc: 0x7777, payload: [0, 11, 1]))
        #expect(got.map(\.sequenceNumber) == [10, 12, 11])
        #expect(got[2] == Self.packet(11))
        #expect(t.remoteSSRC == Self.mediaSSRC)
        #expect(t.statistics.retransmissionsReceived == 1 && t.statistics.packetsReceived == 3)
        #expect(plane.unroutable == 1)
        // Nothing missing any more: the NACK timer is not set.
        loop.advance(by: .milliseconds(200))
        #expect(plane.nackDeadline == nil && t.statistics.nacksSent == 1)
    }

    /// `onRTP` gets each packet's wire form as it came out of SRTP (also an RTX-repaired one,
    /// serialized), before `onPacket` gets the parsed packet.
    @Test func onRTPGetsTheWireFormBeforeOnPacket() throws {
        let loop = ManualEventLoop()
        let (wire, plane, t, peer, keys) = try Self.make(loop: loop)
        defer { plane.close() }
        try plane.start(keying: keys)
        var events: [String] = []
        var wires: [[UInt8]] = []
        t.onRTP = { wires.append(Array($0)); events.append("rtp") }
        t.onPacket = { _ in events.append("packet") }
        var padded = Self.packet(20)
        padded.paddingLength = 4
        for p in [Self.packet(19), padded] { wire.deliver(try #require(peer.protectRTP(p.serialized()))) }
        var rtx = RTXStream(ssrc: Self.rtxSSRC, payloadType: 97, initialSequenceNumber: 1)
        wire.deliver(try #require(peer.protectRTP(rtx.wrap(Self.packet(18)).serialized())))
        #expect(wires == [Self.packet(19).serialized(), padded.serialized(), Self.packet(18).serialized()])
        #expect(events == ["rtp", "packet", "rtp", "packet", "rtp", "packet"])
        #expect(t.statistics.packetsReceived == 3 && t.statistics.bytesReceived == 150)
    }

    /// A sending section: `send(rtp:)` sends the bytes with our payload type and SSRC written in,
    /// counts them, and keeps them for a NACK (which resends the same packet).
    @Test func sendRTPStampsCountsAndKeepsForNACK() throws {
        let loop = ManualEventLoop()
        let material = (0..<56).map { UInt8($0 * 5 & 0xFF) }
        let ours = try #require(SRTPKeyingMaterial(profile: .aeadAes128Gcm, exported: material, isClient: true))
        let theirs = try #require(SRTPKeyingMaterial(profile: .aeadAes128Gcm, exported: material, isClient: false))
        let t = MediaTransceiver(mid: "0", request: MediaTransceiverInit(codec: .vp8, direction: .sendonly))
        t.negotiated = NegotiatedMedia(
            mid: "0", codec: .vp8, payloadType: 102, formatParameters: nil, direction: .sendonly,
            feedback: ["nack", "nack pli"], remoteSSRCs: [Self.mediaSSRC])
        let wire = Wire()
        let plane = MediaPlane(loop: loop, demux: PacketDemux(lower: wire), transceivers: [t])
        defer { plane.close() }
        let peer = try SRTPSession(keying: theirs)
        let foreign = RTPPacket(marker: true, payloadType: 96, sequenceNumber: 700, timestamp: 9, ssrc: 0xAAAA,
                                payload: Array(repeating: 3, count: 1200))
        #expect(!foreign.serialized().withUnsafeBytes { t.send(rtp: $0) })  // not keyed yet
        try plane.start(keying: ours)
        #expect(!([0x80, 96, 0] as [UInt8]).withUnsafeBytes { t.send(rtp: $0) })  // not RTP
        #expect(foreign.serialized().withUnsafeBytes { t.send(rtp: $0) })
        var expected = foreign
        expected.payloadType = 102
        expected.ssrc = t.ssrc
        let protected = try #require(wire.sent.last)
        let sent = try #require(peer.unprotectRTP(protected))
        #expect(try RTPPacket(parsing: sent) == expected)
        #expect(t.statistics.packetsSent == 1 && t.statistics.bytesSent == 1200)
        // The peer NACKs it: the same packet again (no RTX negotiated).
        let count = wire.sent.count
        let nack = RTCPPacket.nack(RTCPGenericNACK(senderSSRC: Self.mediaSSRC, mediaSSRC: t.ssrc, lost: [700]))
        wire.deliver(try #require(peer.protectRTCP(RTCPPacket.serialize([nack]))))
        #expect(wire.sent.count == count + 1 && t.statistics.retransmitted == 1)
        // Same index, same packet: the same SRTP bytes (which the peer's replay check would drop
        // had the first arrived).
        #expect(wire.sent.last == protected)
    }
}
