import RTCCore

/// An RTCP packet `rtc` does not interpret (APP, XR, transport-cc and other feedback formats),
/// kept as its header fields and body so it can be passed on unchanged.
package struct RTCPRawPacket: Equatable, Sendable {
    /// The 5-bit count or FMT field.
    var count: UInt8
    var packetType: UInt8
    /// The bytes after the 4-byte header, padding removed.
    var body: [UInt8]

    init(count: UInt8, packetType: UInt8, body: [UInt8]) {
        self.count = count & 0x1F
        self.packetType = packetType
        self.body = body
    }

    func write(_ w: inout ByteWriter) {
        let start = RTCPHeader.begin(count: count, packetType: packetType, &w)
        w.write(contentsOf: body)
        RTCPHeader.finish(start, &w)
    }
}
