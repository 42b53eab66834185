#if canImport(Glibc)
import Glibc
#endif
import Histogram
import RTC

/// The sending side of `rtc bench`, driven from the main thread: actions run on the stack's
/// loop, and the main thread waits for their results with deadlines.
// @unchecked Sendable is safe: `replies` is guarded by `lock` and `eventCount` by `events`; `peer`,
// `control` and the channels are used only in `onLoop` bodies (on the loop while the driving thread
// waits) or by loop callbacks; `caseNumber` only by the one driving thread.
public final class BenchClient: @unchecked Sendable {
    /// One throughput case: a message size, ordering and reliability.
    public struct ThroughputCase: Sendable {
        public var messageSize: Int
        public var ordered: Bool
        public var maxRetransmits: UInt16?

        public init(messageSize: Int, ordered: Bool, maxRetransmits: UInt16?) {
            self.messageSize = messageSize
            self.ordered = ordered
            self.maxRetransmits = maxRetransmits
        }

        /// "reliable" or "rexmit-N", as the report names it.
        public var reliability: String { maxRetransmits == nil ? "reliable" : "rexmit-\(maxRetransmits!)" }
    }

    /// One row of the report's `throughput`.
    public struct ThroughputResult: Encodable, Sendable {
        public let message_size: Int
        public let ordered: Bool
        public let reliability: String
        public let bytes: Int
        public let sent_bytes: Int
        public let seconds: Double
        public let mb_per_s: Double
    }

    public let loop: PollEventLoop
    public let peer: PeerConnection
    private var control: DataChannel!
    private let lock = Condition()
    private var replies: [String] = []
    private var caseNumber = 0
    /// Ping-pong on its own channel while a throughput case sends: the round trip under load
    /// (a standing queue shows here, not in the idle `roundTrips`).
    private var loadPing: DataChannel?
    private var loadPayload: [UInt8] = []
    private var loadActive = false
    private var loadPingInFlight = false
    private var loadSentAt = LoopInstant(nanoseconds: 0)
    private var loadedRTT = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)

    /// Bytes our side may queue before waiting for the channel to drain.
    public let highWater = 2 << 20

    public init(loop: PollEventLoop, peer: PeerConnection) {
        self.loop = loop
        self.peer = peer
    }

    /// Runs `body` on the loop and returns its result.
    public func onLoop<T>(_ body: @escaping () throws -> T) throws -> T { try loop.runAndWait(body) }

    private let events = Condition()
    /// Counts `notify()` calls (guarded by `events`), so a `wait` that checked before one sees
    /// that it came.
    private var eventCount = 0

    /// Called on the loop when something a `wait` may be waiting for happened (a channel opened,
    /// a send queue drained, the last pong arrived).
    func notify() {
        events.lock()
        eventCount += 1
        events.broadcast()
        events.unlock()
    }

    /// Checks `condition` on the loop after each `notify()` until it holds or `seconds` pass.
    /// - Parameter recheck: for a condition no event announces (usrsctp's unacknowledged chunks),
    ///   also look again after this many seconds.
    func wait(seconds: Double, recheck: Double? = nil, _ condition: @escaping () -> Bool) -> Bool {
        let deadline = Deadline.after(seconds)
        while true {
            let seen = events.withLock { eventCount }
            if (try? onLoop(condition)) == true { return true }
            events.lock()
            let wake = recheck.map { Deadline.after($0) }
            while eventCount == seen {
                if let wake, wake.hasPassed { break }
                guard events.wait(until: wake.map { min($0, deadline) } ?? deadline) else {
                    if deadline.hasPassed {
                        events.unlock()
                        return false
                    }
                    continue
                }
            }
            events.unlock()
        }
    }

    /// Opens a channel and waits for it to be open.
    public func open(_ label: String, _ options: DataChannelInit = DataChannelInit()) throws -> DataChannel {
        let ch = try onLoop {
            let ch = try self.peer.createDataChannel(label: label, options: options)
            ch.onOpen = { [weak self] in self?.notify() }
            return ch
        }
        guard wait(seconds: 10, { ch.readyState == .open }) else {
            throw BenchError("bench channel \(label) did not open")
        }
        return ch
    }

    /// Opens the `ctl` channel the receiver answers `report` requests on.
    public func openControl() throws {
        control = try open("ctl")
        try onLoop {
            self.control.onMessage = { [weak self] m in
                guard let self, case let .text(t) = m else { return }
                self.lock.lock()
                self.replies.append(t)
                self.lock.broadcast()
                self.lock.unlock()
            }
        }
    }

    /// Opens the channel that pings during throughput cases (the receiver echoes on "rtt").
    public func openLoadPing(size: Int) throws {
        let ch = try open("rtt")
        try onLoop {
            self.loadPing = ch
            self.loadPayload = [UInt8](repeating: 7, count: size)
            ch.onMessage = { [unowned self] _ in
                // Every ping sent under load counts, even if its answer comes after the case.
                let rtt = self.loop.now.since(self.loadSentAt)
                _ = self.loadedRTT.record(UInt64(max(1, rtt.nanoseconds / 1000)))
                self.loadPingInFlight = false
                // At most one ping per 10 ms: back to back on loopback (~20k/s) they would take
                // CPU from the case they measure.
                if rtt >= Self.loadPingInterval {
                    self.sendLoadPing()
                } else {
                    self.loop.schedule(in: Self.loadPingInterval - rtt) { [unowned self] in self.sendLoadPing() }
                }
            }
        }
    }

    static let loadPingInterval = Duration.milliseconds(10)

    /// Round trips measured while throughput cases were sending.
    public func loadedRoundTrips() throws -> Histogram<UInt64> { try onLoop { self.loadedRTT } }

    /// Loop only: one ping at a time, while a case is active.
    private func sendLoadPing() {
        guard loadActive, !loadPingInFlight, let ch = loadPing else { return }
        loadSentAt = loop.now
        loadPingInFlight = (try? ch.send(binary: loadPayload)) != nil
    }

    /// Asks the receiver how much arrived on `label`; with `atLeast`, the receiver answers once
    /// that much arrived. Nil when no answer came within `seconds`.
    private func report(_ label: String, atLeast: Int?, seconds: Double = 5) throws -> (bytes: Int, lastNanos: UInt64)? {
        let request = "report \(label)" + (atLeast.map { " \($0)" } ?? "")
        try onLoop { try self.control.send(text: request) }
        lock.lock()
        defer { lock.unlock() }
        let deadline = Deadline.after(seconds)
        while true {
            if let i = replies.firstIndex(where: { $0.containsText("\"label\":\"\(label)\"") }) {
                let reply = replies.remove(at: i)
                let object = JSONValue.parseObject(reply)
                let bytes = object?["bytes"]?.intValue ?? 0
                let last = UInt64(max(0, object?["last_ns"]?.intValue ?? 0))
                return (bytes, last)
            }
            guard lock.wait(until: deadline) else { return nil }
        }
    }

    private func report(_ label: String) throws -> (bytes: Int, lastNanos: UInt64) {
        guard let r = try report(label, atLeast: nil) else { throw BenchError("bench receiver stopped answering") }
        return r
    }

    /// Sends `total` bytes as `messageSize` messages on a fresh channel with back-pressure,
    /// and measures from the first send to the receiver's last byte.
    public func throughput(_ c: ThroughputCase, total: Int, maxSeconds: Double) throws -> ThroughputResult {
        caseNumber += 1
        let label = "tp-\(caseNumber)"
        var options = DataChannelInit()
        options.ordered = c.ordered
        options.maxRetransmits = c.maxRetransmits
        let ch = try open(label, options)
        let chunk = [UInt8](repeating: 0xA5, count: c.messageSize)
        var sent = 0
        var finished = false
        var start = LoopInstant(nanoseconds: 0)
        try onLoop {
            start = self.loop.now
            let deadline = start + .milliseconds(Int64(maxSeconds * 1000))
            ch.bufferedAmountLowThreshold = self.highWater / 2
            let pump = { [unowned self] in
                guard !finished else {
                    // The drain below: the queue is empty.
                    self.notify()
                    return
                }
                while sent < total && ch.bufferedAmount < self.highWater {
                    if self.loop.now >= deadline { break }
                    try? ch.send(binary: chunk)
                    sent += chunk.count
                }
                if sent >= total || self.loop.now >= deadline {
                    finished = true
                    // onBufferedAmountLow (this closure) fires again when the queue is empty.
                    ch.bufferedAmountLowThreshold = 0
                    self.notify()
                }
            }
            ch.onBufferedAmountLow = pump
            pump()
            self.loadActive = true
            self.sendLoadPing()
            // A timer keeps pumping if the low-water callback is not due (e.g. deadline checks).
            func tick() {
                guard !finished else { return }
                pump()
                self.loop.schedule(in: .milliseconds(5)) { tick() }
            }
            tick()
        }
        guard wait(seconds: maxSeconds + 30, { finished && ch.bufferedAmount == 0 }) else {
            throw BenchError("bench sender stalled on \(label)")
        }
        // Then until usrsctp holds nothing unacknowledged or unabandoned (the load ping aside),
        // so a case does not leave its backlog to slow the next one down.
        _ = wait(seconds: maxSeconds + 60, recheck: 0.01, {
            self.peer.sctpOutstandingChunks <= (self.loadPingInFlight ? 1 : 0)
        })
        try onLoop { self.loadActive = false }
        let sentTotal = try onLoop { sent }
        // Reliable: the receiver answers once every byte arrived (or we take its count after 10 s).
        // Partial: until the count stops growing over a 100 ms window (quiescence has no event).
        var last: (bytes: Int, lastNanos: UInt64)
        if c.maxRetransmits == nil {
            last = try report(label, atLeast: sentTotal, seconds: 10) ?? report(label)
        } else {
            last = try report(label)
            let settleDeadline = Deadline.after(10)
            while last.bytes < sentTotal && !settleDeadline.hasPassed {
                let window = Deadline.after(0.1)
                lock.lock()
                while !window.hasPassed { _ = lock.wait(until: window) }
                lock.unlock()
                let next = try report(label)
                if next.bytes == last.bytes { break }
                last = next
            }
        }
        try onLoop { ch.close() }
        let seconds = max(1e-9, Double(Int64(last.lastNanos) - Int64(start.nanoseconds)) / 1e9)
        return ThroughputResult(
            message_size: c.messageSize, ordered: c.ordered, reliability: c.reliability, bytes: last.bytes,
            sent_bytes: sentTotal, seconds: round3(seconds), mb_per_s: round3(Double(last.bytes) / seconds / 1e6))
    }

    /// Ping-pong of `size`-byte messages on an ordered reliable channel; RTT in microseconds.
    public func roundTrips(count: Int, size: Int, warmup: Int = 100) throws -> Histogram<UInt64> {
        let ch = try open("rtt")
        var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        var remaining = count + warmup
        var sentAt = LoopInstant(nanoseconds: 0)
        let payload = [UInt8](repeating: 7, count: size)
        try onLoop {
            ch.onMessage = { [unowned self] _ in
                let rtt = self.loop.now.since(sentAt)
                if remaining <= count { _ = histogram.record(UInt64(max(1, rtt.nanoseconds / 1000))) }
                remaining -= 1
                guard remaining > 0 else {
                    self.notify()
                    return
                }
                sentAt = self.loop.now
                try? ch.send(binary: payload)
            }
            sentAt = self.loop.now
            try ch.send(binary: payload)
        }
        guard wait(seconds: 60, { remaining <= 0 }) else { throw BenchError("rtt ping-pong stalled") }
        try onLoop { ch.close() }
        return try onLoop { histogram }
    }
}

