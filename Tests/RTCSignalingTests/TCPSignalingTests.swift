#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import RTCCore
import RTC
@testable import RTCSignaling

/// `TCPSignalingConnection.connect` keeps its bound and its cancel descriptor; the listener's
/// accept ends on close. (SYN drops and EMFILE need a namespace / rlimit: CLI tests.)
@Suite struct TCPSignalingTests {
    /// A loopback port that refuses: bound, never listening.
    private func refusingPort() -> (Int32, UInt16) {
        let fd = socket(AF_INET, streamSocketType, 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    @Test func refusedUntilTheDeadlineIsUnreachable() {
        let (holder, port) = refusingPort()
        defer { close(holder) }
        let started = Deadline.now
        var outcome: SignalingConnectError?
        do { _ = try TCPSignalingConnection.connect(host: "127.0.0.1", port: port, timeout: 0.3) } catch {
            outcome = error as? SignalingConnectError
        }
        if case .unreachable = outcome {} else { Issue.record("expected .unreachable, got \(String(describing: outcome))") }
        let took = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1e9
        #expect(took >= 0.3 && took < 2, "took \(took) s")
    }

    @Test func cancelDescriptorEndsTheWaitAtOnce() {
        let (holder, port) = refusingPort()
        defer { close(holder) }
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let writeEnd = fds[1]
        startThread(name: "cancel") {
            var pause = timespec(tv_sec: 0, tv_nsec: 200_000_000)
            nanosleep(&pause, nil)
            var one: UInt8 = 1
            _ = write(writeEnd, &one, 1)
        }
        let started = Deadline.now
        var outcome: SignalingConnectError?
        do { _ = try TCPSignalingConnection.connect(host: "127.0.0.1", port: port, timeout: 30, cancelFD: fds[0]) } catch {
            outcome = error as? SignalingConnectError
        }
        let took = Double(Deadline.now.nanoseconds - started.nanoseconds) / 1e9
        #expect(outcome == .interrupted)
        #expect(took < 2, "took \(took) s with a 30 s timeout")
    }

    @Test func closeEndsAccept() throws {
        let listener = try TCPSignalingListener(host: "127.0.0.1", port: 0)
        let done = Condition()
        // Safe: written and read only under `done`'s lock.
        nonisolated(unsafe) var returned = false
        startThread(name: "accept") {
            _ = listener.accept()
            done.withLock { returned = true }
            done.broadcast()
        }
        var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
        nanosleep(&pause, nil)
        listener.close()
        let deadline = Deadline.after(5)
        done.lock()
        while !returned && done.wait(until: deadline) {}
        let ok = returned
        done.unlock()
        #expect(ok, "accept did not return after close")
    }

    /// An accept that comes after close (its thread had not reached accept(2) yet) returns nil
    /// and never takes a connection meant for a listener opened since: the closed listener keeps
    /// its descriptor until it is released, so the number cannot pass to the new socket.
    @Test func acceptAfterCloseTakesNothingFromANewerListener() throws {
        let old = try TCPSignalingListener(host: "127.0.0.1", port: 0)
        old.close()
        let newer = try TCPSignalingListener(host: "127.0.0.1", port: 0)
        #expect(newer.fd != old.fd, "the closed listener's descriptor was reused")
        let client = try TCPSignalingConnection.connect(host: "127.0.0.1", port: newer.port, timeout: 5)
        defer { client.close() }
        #expect(old.accept() == nil)
        let accepted = newer.accept()
        #expect(accepted != nil)
        accepted?.close()
        newer.close()
    }
}
