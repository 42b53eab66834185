import Testing
@testable import RTCCore
@testable import RTCRTP
@testable import RTCMedia
@testable import RTCVirtualNetwork
@testable import RTCPeerConnection
import RTCTestSupport

/// RTX (RFC 4588) between two whole peer connections on the virtual network with 5 % loss
/// each way: NACKed packets come back on the RTX SSRC and payload type, with their own sequence
/// numbers, and are unwrapped into the original stream; every packet arrives. Also when the
/// peer's RTX SSRC is learned from its first RTX packet (no `a=ssrc` lines, as Firefox or
/// MID-routed peers signal), and unchanged retransmission when RTX is not negotiated.
extension USRSCTPSuites {
    @Suite struct MediaRTXPeerConnectionTests {
        enum Signalling: CaseIterable {
            /// Our offer as written: `a=ssrc-group:FID` names the RTX SSRC.
            case ssrcGroup
            /// The offer without `a=ssrc`/`a=ssrc-group`: SSRCs learned by payload type.
            case payloadTypeOnly
            /// The offer without its rtx format: retransmissions reuse the media SSRC.
            case noRTX
        }

        /// Records the RTP headers (cleartext under SRTP, RFC 3711 §3.1) a host sends.
        // @unchecked Sendable is safe: the test runs one ManualEventLoop on its own thread, so `sent`
        // is used by that thread only.
        final class TapFactory: DatagramSocketFactory, @unchecked Sendable {
            let host: VirtualHost
            var sent: [(ssrc: UInt32, payloadType: UInt8, sequenceNumber: UInt16)] = []

            init(_ host: VirtualHost) { self.host = host }

            func makeSocket(loop: EventLoop, bindTo address: TransportAddress) throws -> DatagramSocket {
                TapSocket(inner: try host.makeSocket(loop: loop, bindTo: address), factory: self)
            }

            func record(_ bytes: UnsafeRawBufferPointer) {
                // RTP, not RTCP (RFC 5761 §4: RTCP packet types 192–223 in the second byte).
                guard bytes.count >= 12, (128...191).contains(bytes[0]), !(192...223).contains(bytes[1]) else {
                    return
                }
                let ssrc = bytes[8...11].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                sent.append((ssrc, bytes[1] & 0x7F, UInt16(bytes[2]) << 8 | UInt16(bytes[3])))
            }
        }

        final class TapSocket: DatagramSocket {
            let inner: DatagramSocket
            unowned let factory: TapFactory

            init(inner: DatagramSocket, factory: TapFactory) {
                self.inner = inner
                self.factory = factory
            }

            var localAddress: TransportAddress { inner.localAddress }
            var onDatagram: (([UInt8], TransportAddress) -> Void)? {
                get { inner.onDatagram }
                set { inner.onDatagram = newValue }
            }

            func send(_ bytes: [UInt8], to address: TransportAddress) -> Bool {
                bytes.withUnsafeBytes { factory.record($0) }
                return inner.send(bytes, to: address)
            }

            func send(bytes: UnsafeRawBufferPointer, to address: TransportAddress) -> Bool {
                factory.record(bytes)
                return inner.send(bytes: bytes, to: address)
            }

            func close() { inner.close() }
        }

        /// Drops the lines of an SDP that `signalling` leaves out.
        static func edit(_ sdp: String, _ signalling: Signalling, rtxSSRC: UInt32) -> String {
            let lines = sdp.split(separator: "\r\n", omittingEmptySubsequences: true).map(String.init)
            let kept = lines.filter { line in
                switch signalling {
                case .ssrcGroup: return true
                case .payloadTypeOnly: return !line.hasPrefix("a=ssrc")
                case .noRTX: return !line.hasPrefix("a=rtpmap:97 ") && !line.hasPrefix("a=fmtp:97 ")
                        && !line.hasPrefix("a=ssrc-group:") && !line.hasPrefix("a=ssrc:\(rtxSSRC) ")
                }
            }.map { signalling == .noRTX && $0.hasPrefix("m=video") ? $0.replacingOccurrences(of: " 96 97", with: " 96") : $0 }
            return kept.joined(separator: "\r\n") + "\r\n"
        }

        @Test(arguments: Signalling.allCases)
        func lostPacketsComeBackOverRTX(signalling: Signalling) throws {
            let w = try NATWorld(seed: 11)
            let path = VirtualLink(delay: .milliseconds(15))
            let hostA = w.client(.openInternet, index: 0), hostB = w.client(.fullCone, index: 1)
            hostA.link = path
            hostB.link = path
            let tapA = TapFactory(hostA)
            func make(_ factory: DatagramSocketFactory, _ host: VirtualHost) throws -> PeerConnection {
                var c = PeerConnection.Configuration()
                c.iceHosts = host.addresses
                c.socketFactory = factory
                c.dataChannel = false
                return try PeerConnection(loop: w.loop, configuration: c)
            }
            let pa = try make(tapA, hostA), pb = try make(hostB, hostB)
            defer { pa.close(); pb.close() }
            let sender = pa.addTransceiver(.init(codec: .vp8, direction: .sendonly))
            let receiver = pb.addTransceiver(.init(codec: .vp8, direction: .recvonly))
            var gathered = 0
            pa.whenGatheringComplete { gathered += 1 }
            pb.whenGatheringComplete { gathered += 1 }
            #expect(w.loop.advance(until: { gathered == 2 }, step: .milliseconds(50), limit: .seconds(30)))
            let offer = pa.createOffer()
            #expect(offer.sdp.contains("a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"))
            #expect(offer.sdp.contains("a=ssrc-group:FID \(sender.ssrc) \(sender.rtxSSRC)\r\n"))
            try pb.setRemoteDescription(SessionDescriptionInit(type: .offer, sdp: Self.edit(offer.sdp, signalling, rtxSSRC: sender.rtxSSRC)))
            let answer = try pb.createAnswer()
            try pa.setRemoteDescription(answer)
            let rtxPT: UInt8? = signalling == .noRTX ? nil : 97
            #expect(sender.negotiated?.rtxPayloadType == rtxPT && receiver.negotiated?.rtxPayloadType == rtxPT)
            #expect(receiver.negotiated?.remoteRTXSSRCs == (signalling == .ssrcGroup ? [sender.rtxSSRC: sender.ssrc] : [:]))
            #expect(answer.sdp.contains("a=fmtp:97 apt=96") == (rtxPT != nil))
            #expect(w.loop.advance(until: { pa.state == .connected && pb.state == .connected },
                                   step: .milliseconds(10), limit: .seconds(30)))

            // Loss from here on (OpenSSL times the DTLS handshake on the wall clock).
            // Nothing lost yet: no NACK timer runs (it is set from the first gap's deadline).
            let plane = try #require(pb.media)
            #expect(plane.nackDeadline == nil)
            hostA.link.loss = 0.05
            hostB.link.loss = 0.05
            var armed = 0
            var received: [UInt16: RTPPacket] = [:]
            receiver.onPacket = { received[$0.sequenceNumber] = $0 }
            // A lost last packet leaves no gap to NACK: a short tail follows the packets checked.
            let count = 300, sent = count + 5
            for i in 0..<sent {
                #expect(sender.send(MediaPeerConnectionTests.packet(i, size: 600)))
                w.loop.advance(by: .milliseconds(10))
                if plane.nackDeadline != nil { armed += 1 }
            }
            let all = Set((0..<count).map { UInt16(1000 + $0) })
            let complete = w.loop.advance(until: { all.isSubset(of: received.keys) }, step: .milliseconds(10), limit: .seconds(10))
            #expect(complete, "missing \(all.subtracting(received.keys).sorted()), dropped \(w.net.dropped)")
            #expect(w.net.dropped > 0)
            // The timer ran while packets were missing and stops once none is.
            #expect(armed > 0)
            #expect(w.loop.advance(until: { plane.nackDeadline == nil }, step: .milliseconds(10), limit: .seconds(2)))
            for (seq, p) in received where all.contains(seq) {
                let i = Int(seq) - 1000
                #expect(p.ssrc == sender.ssrc && p.payloadType == 96)
                #expect(p.payload == MediaPeerConnectionTests.packet(i, size: 600).payload)
                #expect(p.timestamp == MediaPeerConnectionTests.packet(i).timestamp)
            }

            // On the wire: the media SSRC carries each sequence number once with RTX; the
            // retransmissions are on the RTX SSRC, PT 97, with consecutive sequence numbers of their own.
            let media = tapA.sent.filter { $0.ssrc == sender.ssrc }
            let rtx = tapA.sent.filter { $0.ssrc == sender.rtxSSRC }
            let s = sender.statistics, r = receiver.statistics
            #expect(s.retransmitted > 0 && r.nacksSent > 0)
            if rtxPT != nil {
                #expect(media.count == sent && Set(media.map(\.sequenceNumber)).count == sent)
                #expect(rtx.count == Int(s.retransmitted) && s.rtxPacketsSent == s.retransmitted)
                #expect(rtx.allSatisfy { $0.payloadType == 97 })
                #expect(zip(rtx, rtx.dropFirst()).allSatisfy { $1.sequenceNumber == $0.sequenceNumber &+ 1 })
                #expect(r.retransmissionsReceived > 0 && r.retransmissionsReceived <= s.rtxPacketsSent)
            } else {
                #expect(rtx.isEmpty && s.rtxPacketsSent == 0 && r.retransmissionsReceived == 0)
                #expect(media.count == sent + Int(s.retransmitted))
            }
            #expect(receiver.remoteSSRC == sender.ssrc)
        }
    }
}
