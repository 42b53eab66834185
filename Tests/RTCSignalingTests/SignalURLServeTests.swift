import Foundation
import Testing
import RTC
import RTCSignaling

/// A listening signal URL says where it listens once bound (`rtc: listening on …` in the CLI):
/// the URL a peer connects to, with the port the system picked for port 0.
@Suite struct SignalURLServeTests {
    /// Lines logged from any thread.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test(arguments: [
        (SignalURL.tcpListen(host: "127.0.0.1", port: 0), "tcp://127.0.0.1:", ""),
        (.wsListen(host: "::1", port: 0), "ws://[::1]:", "/"),
        (.whipListen(host: "127.0.0.1", port: 0, kind: .whep), "whep+http://127.0.0.1:", "/whep"),
    ])
    func serveSaysWhereItListensEvenWhenQuiet(url: SignalURL, prefix: String, suffix: String) throws {
        let lines = Lines()
        let options = ServeOptions(expecting: .offer, verbose: false, log: { lines.append($0) })
        let server = try url.serve(options) { link in link.close() }
        defer { server.close() }
        #expect(server.port != 0)
        #expect(lines.all == ["listening on \(prefix)\(server.port)\(suffix)"])
    }
}
