import Testing
@testable import RTCCore
@testable import RTCSDP
@testable import RTCMedia
@testable import RTCPeerConnection
import RTCTestSupport

/// Offer/answer of media sections (RFC 3264, JSEP RFC 8829 §5.3) against Chromium's and
/// aiortc's captured offers, and the descriptions our own offers make.
@Suite struct MediaNegotiationTests {
    static func chromiumOffer() throws -> SessionDescription {
        try SessionDescription.parse(try SDPCorpus.text("chromium-av-offer.sdp"))
    }

    @Test(arguments: [
        (MediaCodec.vp8, UInt8(96)), (.vp9, 98), (.av1, 45), (.opus, 111), (.pcmu, 0), (.pcma, 8),
        // H.264: packetization-mode 1 only, constrained baseline (42e01f) first.
        (.h264, 108),
    ])
    func theOfferersPayloadTypeIsKept(codec: MediaCodec, expected: UInt8) throws {
        let offer = try Self.chromiumOffer()
        let section = try #require(offer.media.first { $0.type == codec.kind.rawValue })
        let n = try #require(NegotiatedMedia.answering(
            section, mid: section.mid ?? "?", wish: MediaTransceiverInit(codec: codec, direction: .recvonly)))
        #expect(n.payloadType == expected)
        #expect(n.direction == .recvonly)
    }

    @Test func chromiumsVideoSectionSettlesFeedbackAndSSRC() throws {
        let offer = try Self.chromiumOffer()
        let video = try #require(offer.media.first { $0.type == "video" })
        let n = try #require(NegotiatedMedia.answering(video, mid: "1", wish: MediaTransceiverInit(codec: .vp8, direction: .sendrecv)))
        #expect(n.feedback == ["nack", "nack pli", "ccm fir"])
        // The FID group's second SSRC is RTX: only the media SSRC is routed.
        #expect(n.remoteSSRCs == [1_991_286_971])
        #expect(n.direction == .sendrecv)
        #expect(n.formatParameters == nil)
    }

    /// Each offered video codec's RTX format (`apt=`) is kept with the offerer's numbers, the
    /// FID group's second SSRC is the peer's RTX SSRC; audio gets none (as browsers).
    @Test(arguments: [
        (MediaCodec.vp8, UInt8?(97)), (.vp9, 99), (.av1, 46), (.h264, 109), (.opus, nil), (.pcmu, nil),
    ])
    func chromiumsRTXFormatsAreAnswered(codec: MediaCodec, rtx: UInt8?) throws {
        let offer = try Self.chromiumOffer()
        let section = try #require(offer.media.first { $0.type == codec.kind.rawValue })
        let n = try #require(NegotiatedMedia.answering(
            section, mid: "1", wish: MediaTransceiverInit(codec: codec, direction: .sendrecv)))
        #expect(n.rtxPayloadType == rtx)
        if codec.kind == .video { #expect(n.remoteRTXSSRCs == [4_172_916_882: 1_991_286_971]) }
    }

    /// aiortc numbers differently (VP8 97, its RTX 98): its numbers are kept.
    @Test func aiortcsRTXFormatIsAnswered() throws {
        let offer = try SessionDescription.parse(try SDPCorpus.text("aiortc-av-offer.sdp"))
        let video = try #require(offer.media.first { $0.type == "video" })
        let n = try #require(NegotiatedMedia.answering(video, mid: "1", wish: .init(codec: .vp8, direction: .recvonly)))
        #expect(n.payloadType == 97 && n.rtxPayloadType == 98)
        #expect(n.remoteRTXSSRCs == [613_251_639: 1_850_494_827] && n.remoteSSRCs == [1_850_494_827])
    }

    /// Our offer pairs each video codec with an RTX format and, when sending, an FID group; an
    /// answer without RTX (or a rejecting one) leaves retransmission on the media SSRC.
    @Test func ourOfferCarriesRTXAndAnAnswerWithoutItDropsIt() throws {
        let loop = ManualEventLoop()
        var config = PeerConnection.Configuration()
        config.iceHosts = [TransportAddress(ipv4: 127, 0, 0, 1, port: 0)]
        let a = try PeerConnection(loop: loop, configuration: config)
        let b = try PeerConnection(loop: loop, configuration: config)
        defer { a.close(); b.close() }
        let video = a.addTransceiver(MediaTransceiverInit(codec: .h264, direction: .sendrecv))
        let audio = a.addTransceiver(MediaTransceiverInit(codec: .opus, direction: .sendrecv))
        let offer = a.createOffer()
        let parsed = try SessionDescription.parse(offer.sdp)
        let v = parsed.media[1]
        #expect(v.formats == ["102", "103"])
        #expect(v.rtpMaps.last?.attributeValue == "103 rtx/90000")
        #expect(v.fmtps.contains { $0.attributeValue == "103 apt=102" })
        #expect(v.ssrcGroups.map(\.attributeValue) == ["FID \(video.ssrc) \(video.rtxSSRC)"])
        #expect(Set(v.ssrcs.map(\.id)) == [UInt64(video.ssrc), UInt64(video.rtxSSRC)])
        #expect(v.ssrcs.allSatisfy { $0.attribute == "cname" || $0.attribute == "msid" })
        #expect(video.ssrc != video.rtxSSRC)
        let au = parsed.media[2]
        #expect(au.formats == ["111"] && au.ssrcGroups.isEmpty && !au.rtpMaps.contains { $0.codec == "rtx" })

        // b answers with its RTX: both sides settle on 103 and b's FID group names its RTX SSRC.
        let remote = b.addTransceiver(MediaTransceiverInit(codec: .h264, direction: .sendrecv))
        try b.setRemoteDescription(offer)
        #expect(remote.negotiated?.rtxPayloadType == 103)
        #expect(remote.negotiated?.remoteRTXSSRCs == [video.rtxSSRC: video.ssrc])
        let answer = try b.createAnswer()
        try a.setRemoteDescription(answer)
        #expect(video.negotiated?.rtxPayloadType == 103)
        #expect(video.negotiated?.remoteRTXSSRCs == [remote.rtxSSRC: remote.ssrc])
        #expect(audio.negotiated?.rtxPayloadType == nil)

        // An answer without the rtx format: no RTX on our side.
        let plain = answer.sdp.split(separator: "\r\n").filter { !$0.contains(" rtx/") && !$0.contains(" apt=") }
            .map { $0.hasPrefix("m=video") ? $0.replacingOccurrences(of: " 103", with: "") : String($0) }
        let c = try PeerConnection(loop: loop, configuration: config)
        defer { c.close() }
        let again = c.addTransceiver(MediaTransceiverInit(codec: .h264, direction: .sendrecv))
        _ = c.createOffer()
        try c.setRemoteDescription(SessionDescriptionInit(type: .answer, sdp: plain.joined(separator: "\r\n") + "\r\n"))
        #expect(again.negotiated != nil && again.negotiated?.rtxPayloadType == nil)
    }

    @Test func directionsIntersect() {
        #expect(MediaDirection.sendonly.reversed == .recvonly)
        #expect(MediaDirection.sendrecv.intersection(.recvonly) == .recvonly)
        #expect(MediaDirection.sendonly.intersection(.recvonly) == .inactive)
    }

    /// A sendonly offer answered by a peer that only wants to send has nothing to do: rejected.
    @Test func nothingInCommonIsRejected() throws {
        var offer = try Self.chromiumOffer()
        let i = try #require(offer.media.firstIndex { $0.type == "video" })
        offer.media[i].attributes.removeAll { $0.name == "sendrecv" }
        offer.media[i].attributes.append(SDPAttribute(name: "sendonly"))
        let sendOnly = MediaTransceiverInit(codec: .vp8, direction: .sendonly)
        #expect(NegotiatedMedia.answering(offer.media[i], mid: "1", wish: sendOnly) == nil)
        let recv = MediaTransceiverInit(codec: .vp8, direction: .sendrecv)
        #expect(NegotiatedMedia.answering(offer.media[i], mid: "1", wish: recv)?.direction == .recvonly)
        // A codec the offer does not list, or the wrong kind, is rejected too.
        #expect(NegotiatedMedia.answering(offer.media[i], mid: "1", wish: MediaTransceiverInit(codec: .opus, direction: .sendrecv)) == nil)
    }

    /// Our answer to Chromium's audio+video+data offer: video taken, audio (not asked for)
    /// rejected with port 0, one BUNDLE group with the data channel, rtcp-mux, our SSRC.
    @Test func answeringChromiumTakesWhatWasAskedAndRejectsTheRest() throws {
        let loop = ManualEventLoop()
        var config = PeerConnection.Configuration()
        config.iceHosts = [TransportAddress(ipv4: 127, 0, 0, 1, port: 0)]
        let pc = try PeerConnection(loop: loop, configuration: config)
        defer { pc.close() }
        let video = pc.addTransceiver(MediaTransceiverInit(codec: .vp8, direction: .recvonly))
        try pc.setRemoteDescription(SessionDescriptionInit(type: .offer, sdp: try SDPCorpus.text("chromium-av-offer.sdp")))
        let answer = try SessionDescription.parse(try pc.createAnswer().sdp)
        let offer = try Self.chromiumOffer()
        #expect(answer.media.map(\.type) == offer.media.map(\.type))
        let audio = try #require(answer.media.first { $0.type == "audio" })
        #expect(audio.isRejected)
        let v = try #require(answer.media.first { $0.type == "video" })
        #expect(!v.isRejected && v.formats == ["96", "97"] && v.rtcpMux && v.direction == "recvonly")
        // The offer's RTX format for VP8 is answered with its number (RFC 4588 §8.6); recvonly
        // sends nothing, so no SSRC or FID group of ours.
        #expect(v.rtpMaps.map(\.codec) == ["VP8", "rtx"])
        #expect(v.fmtps.map(\.attributeValue) == ["97 apt=96"])
        #expect(v.ssrcs.isEmpty && v.ssrcGroups.isEmpty)
        #expect(answer.bundleMids == answer.media.filter { !$0.isRejected }.compactMap(\.mid))
        #expect(video.negotiated?.payloadType == 96 && video.mid == v.mid)
        #expect(video.remoteSSRC == nil || video.negotiated?.remoteSSRCs == [1_991_286_971])
    }

    /// Our own offer parses back with one section per transceiver plus the data channel, and an
    /// answer that rejects the audio section leaves that transceiver unnegotiated.
    @Test func ourOfferAndARejectingAnswer() throws {
        let loop = ManualEventLoop()
        var config = PeerConnection.Configuration()
        config.iceHosts = [TransportAddress(ipv4: 127, 0, 0, 1, port: 0)]
        let a = try PeerConnection(loop: loop, configuration: config)
        let b = try PeerConnection(loop: loop, configuration: config)
        defer { a.close(); b.close() }
        let video = a.addTransceiver(MediaTransceiverInit(codec: .h264, direction: .sendonly))
        let audio = a.addTransceiver(MediaTransceiverInit(codec: .opus, direction: .sendrecv))
        let offer = a.createOffer()
        let parsed = try SessionDescription.parse(offer.sdp)
        #expect(parsed.media.map(\.type) == ["application", "video", "audio"])
        #expect(parsed.bundleMids == ["0", "1", "2"])
        let v = parsed.media[1]
        #expect(v.proto == "UDP/TLS/RTP/SAVPF" && v.direction == "sendonly" && v.rtcpMux)
        #expect(v.fmtps.first?.parameters["packetization-mode"] == "1")
        #expect(v.ssrcs.map(\.id).contains(UInt64(video.ssrc)))
        #expect(parsed.media[2].rtpMaps.first?.attributeValue == "111 opus/48000/2")

        // b only wants video: its answer rejects audio.
        b.addTransceiver(MediaTransceiverInit(codec: .h264, direction: .recvonly))
        try b.setRemoteDescription(offer)
        let answer = try b.createAnswer()
        let answered = try SessionDescription.parse(answer.sdp)
        #expect(answered.media[2].isRejected && !answered.media[1].isRejected)
        try a.setRemoteDescription(answer)
        #expect(video.negotiated?.direction == .sendonly)
        #expect(audio.negotiated == nil)
    }

    /// A media-only offer (no data channel) is answered; an offer with nothing we take is refused.
    @Test func mediaOnlyOffersAndNothingToAccept() throws {
        let loop = ManualEventLoop()
        var config = PeerConnection.Configuration()
        config.iceHosts = [TransportAddress(ipv4: 127, 0, 0, 1, port: 0)]
        config.dataChannel = false
        let a = try PeerConnection(loop: loop, configuration: config)
        a.addTransceiver(MediaTransceiverInit(codec: .vp8, direction: .sendonly))
        let offer = a.createOffer()
        #expect(try SessionDescription.parse(offer.sdp).media.map(\.type) == ["video"])
        let b = try PeerConnection(loop: loop, configuration: config)
        b.addTransceiver(MediaTransceiverInit(codec: .vp8, direction: .recvonly))
        try b.setRemoteDescription(offer)
        #expect(!b.hasDataChannel)
        let c = try PeerConnection(loop: loop, configuration: config)
        c.addTransceiver(MediaTransceiverInit(codec: .opus, direction: .recvonly))
        #expect(throws: PeerConnectionError.self) { try c.setRemoteDescription(offer) }
        for pc in [a, b, c] { pc.close() }
    }
}
