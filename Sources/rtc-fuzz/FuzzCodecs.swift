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
    case 1:
        let json = String(decoding: body, as: UTF8.self)
        text = compactToken(storing: Array(json.utf8))
        check((try? CompactToken.decode(text)) == json, "compact token does not decode to its JSON: \(text)")
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

/// A compact token (base64url of raw deflate) whose deflate stream holds `bytes` in stored blocks
/// (RFC 1951 §3.2.4). zlib's compressor, as `CompactToken.encode` runs it, sets up some 256 KB of
/// state per call, which took a third of this target's time; the decoder under test is the same.
private func compactToken(storing bytes: [UInt8]) -> String {
    var deflated: [UInt8] = []
    var rest = bytes[...]
    repeat {
        let n = min(rest.count, 0xFFFF)
        deflated.append(rest.count == n ? 1 : 0)  // BFINAL on the last block, BTYPE 00 (stored)
        deflated += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
        deflated += rest.prefix(n)
        rest = rest.dropFirst(n)
    } while !rest.isEmpty
    return base64url(deflated)
}

/// RFC 4648 §5 base64url without padding, as compact tokens carry it.
private func base64url(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    var out: [UInt8] = []
    out.reserveCapacity((bytes.count * 4 + 2) / 3)
    var i = 0
    while i < bytes.count {
        let n = min(3, bytes.count - i)
        var v = UInt32(bytes[i]) << 16
        if n > 1 { v |= UInt32(bytes[i + 1]) << 8 }
        if n > 2 { v |= UInt32(bytes[i + 2]) }
        for k in 0...n { out.append(alphabet[Int((v >> UInt32(18 - 6 * k)) & 0x3F)]) }
        i += 3
    }
    return String(decoding: out, as: UTF8.self)
}
#endif
