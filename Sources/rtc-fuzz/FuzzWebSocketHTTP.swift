#if RTC_LIBFUZZER || DEBUG
#if canImport(Glibc)
import Glibc
#endif
import RTC
import RTCSignaling
import RTCTransfer

/// The `ws-http` target (issue 15, item 8): a fuzzer of the `ws-listen` request path. swift-nio
/// parses the HTTP request; what is ours runs on it: the page handler, the WebSocket upgrade
/// configuration, the frame reassembly of `WebSocketLinkHandler` and `SignalingMessage.parse` on
/// each text message. Each input is written to a real loopback connection of a server started on
/// first use; then the write side is shut and the reply read until the server closes (at most 2 s).
enum WebSocketFuzzServer {
    /// As `rtc answer --signal ws-listen://` serves: each connection has the default handshake
    /// timeout and cap; a peer that sends a valid offer is admitted and then closed. A static
    /// `let`: Swift runs the initializer once, thread-safely, and the server lives to the end.
    static let server: any SignalingServer = {
        let options = ServeOptions(expecting: .offer, signalTimeout: 10, page: TransferPage.html(mode: "listen"))
        do {
            return try SignalURL.wsListen(host: "127.0.0.1", port: 0).serve(options) { link in
                link.start(onMessage: { _ in }, onEnd: { _ in link.close() })
            }
        } catch {
            printToStderr("rtc-fuzz: cannot start the ws-listen server: \(error)")
            abort()
        }
    }()
}

func fuzzWebSocketHTTP(_ bytes: [UInt8]) {
    let port = WebSocketFuzzServer.server.port
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    check(fd >= 0, "socket: \(errno)")
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    check(connected == 0, "connect to the ws-listen server: \(errno)")
    var sent = 0
    bytes.withUnsafeBytes { data in
        while sent < data.count {
            let n = send(fd, data.baseAddress! + sent, data.count - sent, Int32(MSG_NOSIGNAL))
            if n <= 0 { break }  // the server closed early (it rejected the request)
            sent += n
        }
    }
    shutdown(fd, Int32(SHUT_WR))
    var buffer = [UInt8](repeating: 0, count: 4096)
    let deadline = Deadline.after(2)
    while !deadline.hasPassed {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 100) >= 0 else { break }
        if p.revents == 0 { continue }
        if recv(fd, &buffer, buffer.count, 0) <= 0 { break }
    }
}
#endif
