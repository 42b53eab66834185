import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 request over a plain socket to 127.0.0.1, read until the server closes (the
/// WHIP endpoint closes after each response), for tests that play a WHIP client by hand.
public enum HTTPTestClient {
    public struct BadReply: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Response {
        public let status: Int
        /// Header names lowercased.
        public let headers: [String: String]
        public let body: String
        /// Every header line in order (a name may repeat, e.g. `Link`), names lowercased.
        public var fields: [(name: String, value: String)] = []

        /// Every value of header `name` (lowercase), in order.
        public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }
    }

    public static func request(port: UInt16, _ method: String, _ path: String, headers: [(String, String)] = [],
                        body: String = "", timeout: Double = 15) throws -> Response {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(s) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        a.sin_port = port.bigEndian
        let ok = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw POSIXError(.ECONNREFUSED) }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (k, v) in headers { text += "\(k): \(v)\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        let out = Array(text.utf8)
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(s, $0.baseAddress, $0.count) }
            // The server may answer (413) and close before reading it all.
            if n <= 0 { break }
            sent += n
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let start = Date()
        var lastError: Int32 = 0
        while true {
            let n = read(s, &buffer, buffer.count)
            if n < 0 { lastError = errno }
            if n <= 0 { break }
            data += buffer[..<n]
        }
        let reply = String(decoding: data, as: UTF8.self)
        guard let split = reply.range(of: "\r\n\r\n") else {
            throw BadReply(description: "\(method) \(path): no HTTP reply after \(Date().timeIntervalSince(start)) s "
                           + "(errno \(lastError), \(data.count) bytes: \(reply.prefix(200)))")
        }
        var lines = reply[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw BadReply(description: "\(method) \(path): bad status line in \(reply.prefix(200))")
        }
        var h: [String: String] = [:]
        var fields: [(name: String, value: String)] = []
        for l in lines {
            guard let colon = l.firstIndex(of: ":") else { continue }
            let name = l[..<colon].lowercased(), value = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            h[name] = value
            fields.append((name, value))
        }
        return Response(status: status, headers: h, body: String(reply[split.upperBound...]), fields: fields)
    }
}
