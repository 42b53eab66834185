#if RTC_LIBFUZZER
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import RTC
import RTCSignaling
import RTCTransfer

/// The `ws-http` libFuzzer target (Scripts/fuzz; issue 15, item 8): this module built with
/// `-DRTC_LIBFUZZER` is a fuzzer of the `ws-listen` request path. swift-nio parses the HTTP
/// request; what is ours runs on it: the page handler, the WebSocket upgrade configuration, the
/// frame reassembly of `WebSocketLinkHandler` and `SignalingMessage.parse` on each text message.
/// Each input is written to a real loopback connection of a server started once; then the
/// write side is shut and the reply read until the server closes (bounded by 2 s).
nonisolated(unsafe) private var fuzzPort = 0

/// libFuzzer's driver, for a program with its own entry point.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links `main` to `rtc_main`; Scripts/fuzz renames the command's own entry point
/// (`-entry-point-function-name rtc_cli_main`), so this one runs libFuzzer instead.
@_cdecl("rtc_main")
func webSocketFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var args = argv
    return LLVMFuzzerRunDriver(&count, &args, webSocketFuzzOneInput)
}

@_cdecl("LLVMFuzzerInitialize")
func webSocketFuzzInitialize(_ argc: UnsafeMutablePointer<Int32>,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> Int32 {
    // As `rtc answer --signal ws-listen://` serves: each connection has the default handshake
    // timeout and cap; a peer that sends a valid offer is admitted and then closed.
    let options = ServeOptions(expecting: .offer, signalTimeout: 10, page: TransferPage.html(mode: "listen"))
    let server = try! SignalURL.wsListen(host: "127.0.0.1", port: 0).serve(options) { link in
        link.start(onMessage: { _ in }, onEnd: { _ in link.close() })
    }
    fuzzPort = Int(server.port)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
func webSocketFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    precondition(fd >= 0, "socket: \(errno)")
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(fuzzPort).bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    precondition(connected == 0, "connect to the ws-listen server: \(errno)")
    var sent = 0
    while sent < size, let data {
        let n = send(fd, data + sent, size - sent, Int32(MSG_NOSIGNAL))
        if n <= 0 { break }  // the server closed early (it rejected the request)
        sent += n
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
    return 0
}
#endif
