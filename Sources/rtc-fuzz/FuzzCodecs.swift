#if RTC_LIBFUZZER || DEBUG
@testable import RTC
import RTCSignaling

/// SDP: whatever parses serializes to text that parses back to the same description
/// (parse(serialize(parse(x))) == parse(x)), and errors name a line.
func fuzzSDP(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    let parsed: SessionDescription
    do {
        parsed = try SessionDescription.parse(text)
    } catch let e as SDPError {
        check(e.line >= 1 && !e.description.contains("\n"), "SDP error without a line or on two lines: \(e)")
        return
    } catch {
        check(false, "SDP parse threw a non-SDPError \(error)")
        return
    }
    let serialized = parsed.serialize()
    guard let again = try? SessionDescription.parse(serialized) else {
        check(false, "serialized SDP does not parse: \(SDPError.quote(serialized))")
        return
    }
    check(again == parsed, "parse(serialize(parse(x))) != parse(x) for \(SDPError.quote(text))")
}

/// A fixed key for integrity checks: the inputs cannot know it, but the code paths run.
private let fuzzKey = STUNMessage.shortTermKey(password: "fuzz-password-0123456789")

/// STUN: decoding never traps, what decodes re-encodes to the same bytes, and every getter and
/// check (including the client's response verification) runs on it.
func fuzzSTUN(_ bytes: [UInt8]) {
    _ = STUNMessage.isSTUN(bytes)
    guard let m = try? STUNMessage(decoding: bytes) else { return }
    check(m.encode() == bytes, "STUN re-encode differs")
    _ = (m.mappedAddress, m.xorMappedAddress, m.xorPeerAddress, m.xorPeerAddresses, m.xorRelayedAddress)
    _ = (m.responseOrigin, m.otherAddress, m.alternateServer, m.username, m.realm, m.nonce, m.software)
    _ = (m.errorCode, m.unknownAttributes, m.priority, m.useCandidate, m.iceControlled, m.iceControlling)
    _ = (m.changeRequest, m.lifetime, m.data, m.requestedTransport, m.channelNumber, m.description)
    _ = m.hasValidMessageIntegrity(key: fuzzKey)
    _ = try? m.verifyMessageIntegritySHA256(key: fuzzKey)
    _ = m.hasValidFingerprint
    _ = STUNClient.rejection(of: m, integrityKey: fuzzKey)
    _ = (m.otherAddress?.unusableReason, m.alternateServer?.unusableReason)
    for a in m.attributes { _ = a.type.description }
}

/// TURN: a client with an Allocate in flight gets the input as a series of datagrams from the
/// server (each a 2-byte length and the bytes); a datagram that looks like STUN gets the pending
/// request's transaction ID, so responses reach the allocation, permission and channel logic.
/// ChannelData decoding must round-trip its header and data.
func fuzzTURN(_ bytes: [UInt8]) {
    if let cd = try? ChannelData(decoding: bytes) {
        check(cd.encode() == Array(bytes.prefix(4 + cd.data.count)), "ChannelData re-encode differs")
    }
    _ = ChannelData.streamFrameLength(header: bytes)
    let loop = ManualEventLoop()
    let server = TransportAddress(ipv4: 192, 0, 2, 1, port: 3478)
    var lastRequest: [UInt8] = []
    let client = TURNClient(loop: loop, server: server, username: "user", password: "pass",
                            send: { bytes, _ in if STUNMessage.isSTUN(bytes) { lastRequest = bytes } })
    client.allocate { result in
        if case .success(let relayed) = result {
            client.createPermission(TransportAddress(ipv4: 198, 51, 100, 2, port: 9))
            client.bindChannel(TransportAddress(ipv4: 198, 51, 100, 3, port: 10))
            _ = client.send([1, 2, 3], to: relayed)
        }
    }
    var rest = bytes[...]
    while rest.count >= 2 {
        let n = Int(rest[rest.startIndex]) << 8 | Int(rest[rest.startIndex + 1])
        rest = rest.dropFirst(2)
        var datagram = Array(rest.prefix(n))
        rest = rest.dropFirst(n)
        if STUNMessage.isSTUN(datagram), datagram.count >= 20, lastRequest.count >= 20 {
            datagram.replaceSubrange(8..<20, with: lastRequest[8..<20])
        }
        client.handle(datagram, from: server)
        loop.run()
    }
    loop.advance(by: .seconds(700))
}

/// DCEP (RFC 8832): what parses serializes back to a message that parses the same.
func fuzzDCEP(_ bytes: [UInt8]) {
    guard let m = try? DCEPMessage.parse(bytes) else { return }
    let again = try? DCEPMessage.parse(m.serialize())
    check(again == m, "DCEP round trip differs: \(m)")
}

/// Signaling: the first byte picks the form: browser/aiortc JSON text as is, or a compact token
/// (deflated and base64url-encoded here, so the fuzzer reaches the JSON inside), or token text as
/// is. Whatever parses is written in both JSON styles and must parse back to the same message.
func fuzzSignaling(_ bytes: [UInt8]) {
    guard let mode = bytes.first else { return }
    let body = Array(bytes.dropFirst())
    let text: String
    switch mode % 3 {
    case 0: text = String(decoding: body, as: UTF8.self)
    case 1: text = CompactToken.encode(String(decoding: body, as: UTF8.self))
    default: text = String(decoding: body, as: UTF8.self).filter { !$0.isWhitespace && $0 != "{" }
    }
    guard let m = try? SignalingMessage.parse(text) else { return }
    for style in [SignalingMessage.Style.browser, .aiortc] {
        let json = m.json(style: style)
        let again = try? SignalingMessage.parse(json)
        check(again == m, "signaling round trip (\(style)) differs: \(json)")
        check(!json.contains("\n"), "signaling JSON spans lines: \(json)")
    }
    _ = m.aiortcLine()
}
#endif
