import Testing
@testable import RTCCore
@testable import RTCSTUN

@Suite struct TransportAddressTests {
    @Test(arguments: [
        ("127.0.0.1:3478", "127.0.0.1:3478"),
        ("0.0.0.0:0", "0.0.0.0:0"),
        ("255.255.255.255:65535", "255.255.255.255:65535"),
        ("[::1]:3478", "[::1]:3478"),
        ("[::]:1", "[::]:1"),
        ("[2001:0DB8:0000:0000:0001:0000:0000:0001]:9", "[2001:db8::1:0:0:1]:9"),
        ("[fe80::1:2:3:4]:7", "[fe80::1:2:3:4]:7"),
        ("[::ffff:192.0.2.9]:9", "[::ffff:192.0.2.9]:9"),
    ])
    func parsesAndPrints(input: String, canonical: String) throws {
        let a = try #require(TransportAddress(input))
        #expect(a.description == canonical)
        #expect(TransportAddress(canonical) == a)
    }

    @Test(arguments: [
        "", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+5", "1.2.3:4",
        "256.0.0.1:1", "::1:3478", "[::1]", "[::1]:", "[::1]3478", "[1.2.3.4]:5", "localhost:80",
        "[fe80::1%eth0]:5", "[:::1]:5", "1.2.3.4:5:6",
    ])
    func rejects(input: String) {
        #expect(TransportAddress(input) == nil)
    }

    @Test func hostAndFamily() throws {
        let v4 = try #require(TransportAddress(host: "192.0.2.1", port: 80))
        #expect(v4.family == .ipv4 && v4.ip == [192, 0, 2, 1] && v4.host == "192.0.2.1")
        let v6 = try #require(TransportAddress(host: "[::1]", port: 80))
        #expect(v6.family == .ipv6 && v6.ip.count == 16 && v6.ip.last == 1)
        #expect(TransportAddress(ip: [1, 2, 3], port: 1) == nil)
        #expect(TransportAddress(ip: [1, 2, 3, 4], port: 1) == TransportAddress(ipv4: 1, 2, 3, 4, port: 1))
    }
}

@Suite struct ChannelDataTests {
    @Test func roundTripUnpaddedAndPadded() throws {
        let cd = try #require(ChannelData(channelNumber: 0x4001, data: Array("hello".utf8)))
        let plain = cd.encode()
        #expect(plain == [0x40, 0x01, 0x00, 0x05] + Array("hello".utf8))
        #expect(try ChannelData(decoding: plain) == cd)
        let padded = cd.encode(padded: true)
        #expect(padded.count == 12 && padded.suffix(3) == [0, 0, 0])
        #expect(try ChannelData(decoding: padded) == cd)
        #expect(ChannelData.isChannelData(padded))
        #expect(!STUNMessage.isSTUN(padded))
        #expect(ChannelData.streamFrameLength(header: padded) == 12)
        #expect(ChannelData.streamFrameLength(header: [0x40, 0]) == nil)
    }

    @Test func emptyAndLimits() throws {
        let empty = try #require(ChannelData(channelNumber: 0x4FFF, data: []))
        #expect(empty.encode() == [0x4F, 0xFF, 0, 0])
        #expect(try ChannelData(decoding: [0x4F, 0xFF, 0, 0]) == empty)
        #expect(ChannelData(channelNumber: 0x3FFF, data: []) == nil)
        #expect(ChannelData(channelNumber: 0x5000, data: []) == nil)
    }

    @Test(arguments: [
        ([UInt8](), STUNError.truncatedChannelData(declared: 0, available: 0)),
        ([0x40, 0x00, 0x00], .truncatedChannelData(declared: 0, available: 0)),
        ([0x40, 0x00, 0x00, 0x05, 1, 2], .truncatedChannelData(declared: 5, available: 2)),
        ([0x50, 0x00, 0x00, 0x00], .badChannelNumber(0x5000)),
        ([0x3F, 0xFF, 0x00, 0x00], .badChannelNumber(0x3FFF)),
        ([0x40, 0x00, 0x00, 0x01, 1, 0, 0, 0, 0], .channelDataTrailingBytes(count: 4)),
        ([0x40, 0x00, 0x00, 0x00, 0], .channelDataTrailingBytes(count: 1)),
    ])
    func malformed(bytes: [UInt8], error: STUNError) {
        #expect(throws: error) { try ChannelData(decoding: bytes) }
    }
}
