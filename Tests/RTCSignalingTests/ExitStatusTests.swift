import Dispatch
import Testing
#if canImport(Glibc)
import Glibc
#endif
import RTCCore
import RTCSignaling

/// Lines reported from any thread.
// @unchecked Sendable: `lines` is read and written only under `lock`.
private final class Lines: @unchecked Sendable {
    private let lock = Lock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// The exit statuses the runners report, and the latch a command waits on.
@Suite struct ExitStatusTests {
    @Test func signalingFailuresMapToTheDocumentedStatuses() {
        let cases: [(SignalingFailure.Kind, Int32)] = [
            (.usage, 64), (.badInput, 65), (.unreachable, 69), (.timeout, 124), (.failure, 1),
            (.interrupted(signal: SIGINT), 130), (.interrupted(signal: SIGTERM), 143),
        ]
        for (kind, status) in cases {
            #expect(SignalingFailure(kind, "m").exitStatus.rawValue == status)
        }
    }

    @Test func theFirstStatusWinsAndOnlyItsMessageIsReported() {
        let messages = Lines()
        let latch = ExitLatch { messages.append($0) }
        #expect(!latch.isFinished)
        DispatchQueue.global().async { latch.finish(69, "first") }
        #expect(latch.wait() == 69)
        latch.finish(1, "second")
        #expect(latch.wait() == 69)
        #expect(latch.isFinished)
        #expect(messages.all == ["first"])
    }
}
