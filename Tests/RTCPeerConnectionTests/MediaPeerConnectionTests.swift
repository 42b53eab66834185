import Testing
@testable import RTCVirtualNetwork
@testable import RTCRTP
@testable import RTCPeerConnection
import RTCTestSupport

/// Two whole peer connections with media sections on the virtual network: offer/answer, ICE
/// through NATs, DTLS-SRTP keys, and RTP both ways through SRTP, in one process on the manual
/// clock. Serialized with the SCTP suites: the data channel beside the media drives usrsctp.
extension USRSCTPSuites {
    @Suite struct MediaPeerConnectionTests {
        static func negotiate(_ w: NATWorld, dataChannel: Bool = true,
                              offerer: [MediaTransceiverInit], answerer: [MediaTransceiverInit])
            throws -> (PeerConnection, PeerConnection, [MediaTransceiver], [MediaTransceiver]) {
            func make(_ host: VirtualHost) throws -> PeerConnection {
                var c = PeerConnection.Configuration()
                c.iceHosts = host.addresses
                c.socketFactory = host
                c.dataChannel = dataChannel
                return try PeerConnection(loop: w.loop, configuration: c)
            }
            let pa = try make(w.client(.openInternet, index: 0)), pb = try make(w.client(.fullCone, index: 1))
            let ta = offerer.map { pa.addTransceiver($0) }, tb = answerer.map { pb.addTransceiver($0) }
            var gathered = 0
            pa.whenGatheringComplete { gathered += 1 }
            pb.whenGatheringComplete { gathered += 1 }
            #expect(w.loop.advance(until: { gathered == 2 }, step: .milliseconds(50), limit: .seconds(30)))
            try pb.setRemoteDescription(pa.createOffer())
            try pa.setRemoteDescription(pb.createAnswer())
            #expect(w.loop.advance(until: { pa.state == .connected && pb.state == .connected },
                                   step: .milliseconds(10), limit: .seconds(30)))
            return (pa, pb, ta, tb)
        }

        static func packet(_ i: Int, size: Int = 1000) -> RTPPacket {
            RTPPacket(marker: i % 3 == 2, payloadType: 120, sequenceNumber: UInt16(truncatingIfNeeded: 1000 + i),
                      timestamp: UInt32(i / 3) * 3000, ssrc: 0xDEAD_BEEF, payload: [UInt8](repeating: UInt8(i % 251), count: size))
        }

        /// Video one way, audio both ways, beside a data channel: every packet arrives whole,
        /// with the negotiated payload type and the sender's SSRC, its sequence and timestamp kept.
        @Test func rtpFlowsThroughSRTPBesideADataChannel() throws {
            let w = try NATWorld()
            let (pa, pb, ta, tb) = try Self.negotiate(
                w, offerer: [.init(codec: .vp8, direction: .sendonly), .init(codec: .opus, direction: .sendrecv)],
                answerer: [.init(codec: .vp8, direction: .recvonly), .init(codec: .opus, direction: .sendrecv)])
            defer { pa.close(); pb.close() }
            #expect(pa.hasDataChannel && pb.hasDataChannel)
            var videoIn: [RTPPacket] = [], audioBack: [RTPPacket] = []
            tb[0].onPacket = { videoIn.append($0) }
            ta[1].onPacket = { audioBack.append($0) }
            for i in 0..<60 { #expect(ta[0].send(Self.packet(i))) }
            for i in 0..<10 { #expect(tb[1].send(Self.packet(i, size: 80))) }
            // The answerer's video section only receives.
            #expect(!tb[0].send(Self.packet(0)))
            #expect(w.loop.advance(until: { videoIn.count == 60 && audioBack.count == 10 },
                                   step: .milliseconds(5), limit: .seconds(5)))
            #expect(videoIn.map(\.sequenceNumber) == (0..<60).map { UInt16(1000 + $0) })
            #expect(videoIn.allSatisfy { $0.payloadType == 96 && $0.ssrc == ta[0].ssrc })
            #expect(videoIn[7].payload == Self.packet(7).payload && videoIn[7].timestamp == Self.packet(7).timestamp)
            #expect(audioBack.allSatisfy { $0.payloadType == 111 && $0.ssrc == tb[1].ssrc })
            #expect(tb[0].remoteSSRC == ta[0].ssrc)
            #expect(tb[0].statistics.packetsReceived == 60 && ta[0].statistics.packetsSent == 60)
        }

        /// Media only, no data channel: the connection counts as connected once DTLS is (no SCTP).
        @Test func mediaOnlySessionsConnectWithoutSCTP() throws {
            let w = try NATWorld()
            let (pa, pb, ta, tb) = try Self.negotiate(
                w, dataChannel: false, offerer: [.init(codec: .h264, direction: .sendonly)],
                answerer: [.init(codec: .h264, direction: .recvonly)])
            defer { pa.close(); pb.close() }
            #expect(!pa.hasDataChannel && !pb.hasDataChannel)
            var got = 0
            tb[0].onPacket = { _ in got += 1 }
            for i in 0..<5 { ta[0].send(Self.packet(i)) }
            #expect(w.loop.advance(until: { got == 5 }, step: .milliseconds(5), limit: .seconds(5)))
        }
    }
}
