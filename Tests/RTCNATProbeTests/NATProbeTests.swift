import Dispatch
import Glibc
import Testing
import RTCCore
import RTCSTUN
import RTCNATProbe

/// A loopback UDP socket that answers Binding requests with the sender's address (and a
/// FINGERPRINT), or stays silent; no OTHER-ADDRESS, so only mapping test I can run.
private final class LoopbackResponder: @unchecked Sendable {
    let fd: Int32
    let address: TransportAddress
    private let answers: Bool
    private let stopped = DispatchSemaphore(value: 0)
    private let lock = NSLockish()
    private var stopping = false

    init(answers: Bool) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        try #require(fd >= 0 && bound == 0)
        _ = withUnsafeMutablePointer(to: &sin) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        var tv = timeval(tv_sec: 0, tv_usec: 50_000)  // so the thread sees `stop()` within 50 ms
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
        address = TransportAddress(ipv4: 127, 0, 0, 1, port: UInt16(bigEndian: sin.sin_port))
        self.answers = answers
        Thread.detach { [self] in serve() }
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 1500)
        while !lock.withLock({ stopping }) {
            var from = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &len) }
            }
            guard n > 0, answers, let request = try? STUNMessage(decoding: Array(buffer[..<n])) else { continue }
            var response = request.response()
            let ip = withUnsafeBytes(of: from.sin_addr.s_addr) { Array($0) }
            response.xorMappedAddress = TransportAddress(ip: ip, port: UInt16(bigEndian: from.sin_port))
            response.addFingerprint()
            let bytes = response.encode()
            _ = withUnsafePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes, bytes.count, 0, $0, len) }
            }
        }
        stopped.signal()
    }

    func stop() {
        lock.withLock { stopping = true }
        _ = stopped.wait(timeout: .now() + 2)
        close(fd)
    }
}

/// A pthread mutex (Foundation's NSLock is not imported here).
private final class NSLockish: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}

private enum Thread {
    /// A thread of its own: on Dispatch's shared pool the responder could wait behind other
    /// suites' blocking work for longer than the probe's timeouts (seen in a loaded full run).
    static func detach(_ body: @escaping @Sendable () -> Void) {
        startThread(name: "stun-responder", body)
    }
}

@Suite struct NATProbeTests {
    private var quick: NATBehaviorDiscovery.Configuration {
        var c = NATBehaviorDiscovery.Configuration()
        c.testTimeout = .milliseconds(400)
        c.rto = .milliseconds(100)
        c.hairpinning = false
        return c
    }

    @Test func answeringServerGivesTheMappedAddress() throws {
        let server = try LoopbackResponder(answers: true)
        defer { server.stop() }
        let result = try NATProbe.run(server: server.address, configuration: quick)
        let mapped = try #require(result.mapped)
        #expect(mapped.hasPrefix("127.0.0.1:"))
        #expect(result.probeFailure == nil)
    }

    @Test func silentServerIsNoResponse() throws {
        let server = try LoopbackResponder(answers: false)
        defer { server.stop() }
        let result = try NATProbe.run(server: server.address, local: TransportAddress(host: "127.0.0.1", port: 0),
                                      configuration: quick)
        #expect(result.mapped == nil)
        #expect(result.probeFailure == .noResponse)
    }

    @Test func localOfAnotherFamilyIsRefused() throws {
        let server = TransportAddress(ipv4: 127, 0, 0, 1, port: 9)
        let local = try #require(TransportAddress(host: "::1", port: 0))
        #expect(throws: NATProbeError.familyMismatch(local: local, server: server)) {
            try NATProbe.run(server: server, local: local, configuration: quick)
        }
    }
}
