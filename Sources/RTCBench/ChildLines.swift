import RTC

/// The lines a child prints on stdout, read on their own thread (so its pipe never fills).
// @unchecked Sendable is safe: `lines` and `ended` are shared with the reader thread only under `state`.
final class ChildLines: @unchecked Sendable {
    private let state = Condition()
    private var lines: [String] = []
    private var ended = false

    init(_ child: ChildProcess) {
        startThread(name: "bench-child-out") { [self] in
            while let line = child.readLine() {
                state.withLock { lines.append(line) }
                state.broadcast()
            }
            state.withLock { ended = true }
            state.broadcast()
        }
    }

    /// The first JSON-object line matching `predicate` (removed), waiting up to `seconds`.
    func first(seconds: Double, where predicate: ([String: JSONValue]) -> Bool) -> String? {
        let deadline = Deadline.after(seconds)
        state.lock()
        defer { state.unlock() }
        while true {
            if let i = lines.firstIndex(where: { JSONValue.parseObject($0).map(predicate) == true }) {
                return lines.remove(at: i)
            }
            if ended || !state.wait(until: deadline) { return nil }
        }
    }
}
