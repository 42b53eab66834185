import Foundation

/// A minimal RFC 6455 peer on raw loopback sockets, for feeding `rtc` bad signaling: a client
/// that upgrades and sends whatever frames a test wants, and a one-shot server that accepts
/// rtc's upgrade and does the same.
enum RawWebSocket {
    /// Connects to 127.0.0.1:port (a server that said it listens), upgrades on `path`; returns
    /// the socket or -1.
    static func connect(port: UInt16, path: String = "/ws") -> Int32 {
        let fd = RawTCP.connect(port: port)
        guard fd >= 0 else { return -1 }
        setTimeout(fd, seconds: 10)
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        writeAll(fd, Array(request.utf8))
        let head = readHead(fd)
        guard head.hasPrefix("HTTP/1.1 101") else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Listens on 127.0.0.1 on a port the system picks; returns the listening socket and its port.
    static func listen() -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        Glibc.listen(fd, 4)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// Accepts one client on `listener` (waiting at most `timeout` s) and answers its upgrade.
    static func acceptUpgrade(_ listener: Int32, timeout: Int32 = 20) -> Int32 {
        var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeout * 1000) == 1 else { return -1 }
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return -1 }
        setTimeout(fd, seconds: 10)
        let head = readHead(fd)
        var key = ""
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("sec-websocket-key:") {
            key = line.dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces)
        }
        let accept = Data(sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(accept)\r\n\r\n"
        writeAll(fd, Array(response.utf8))
        return fd
    }

    /// Writes one frame (opcode 1 text, 2 binary), masked when we are the client.
    static func sendFrame(_ fd: Int32, opcode: UInt8, payload: [UInt8], masked: Bool) {
        var frame: [UInt8] = [0x80 | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else {
            frame.append(maskBit | 126)
            frame += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        var body = payload
        if masked {
            let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            frame += mask
            for i in body.indices { body[i] ^= mask[i % 4] }
        }
        writeAll(fd, frame + body)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    private static func setTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Reads up to the blank line ending an HTTP head (bounded: 16 KiB, the socket's timeout).
    private static func readHead(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var b: UInt8 = 0
        while bytes.count < 16384, recv(fd, &b, 1, 0) == 1 {
            bytes.append(b)
            if bytes.count >= 4 && bytes.suffix(4) == [13, 10, 13, 10] { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// SHA-1 (FIPS 180-4), only for the handshake's Sec-WebSocket-Accept.
    static func sha1(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for i in (0..<8).reversed() { m.append(UInt8((bitLength >> (UInt64(i) * 8)) & 0xFF)) }
        for chunk in stride(from: 0, to: m.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                w[i] = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(m[chunk + i * 4 + $1]) }
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = (x << 1) | (x >> 31)
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let t = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, (b << 30) | (b >> 2), a, t)
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
        }
        return h.flatMap { v in (0..<4).map { UInt8((v >> (24 - UInt32($0) * 8)) & 0xFF) } }
    }
}
