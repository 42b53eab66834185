#if canImport(Glibc)
import Glibc
#endif
import RTC

/// The receiving side of `rtc bench`: counts bytes on throughput channels, echoes on the `rtt`
/// channel, and answers `report` requests on the `ctl` channel. It runs in the same process as
/// the sender (default) or in a child process (`--processes 2`); the protocol is the same.
public final class BenchServer {
    struct Counter {
        var bytes = 0
        var messages = 0
        var firstNanos: UInt64 = 0
        var lastNanos: UInt64 = 0
    }

    private let loop: EventLoop
    public let peer: PeerConnection
    private var counters: [String: Counter] = [:]
    private var channels: [DataChannel] = []
    /// `report LABEL BYTES` requests held until LABEL's count reaches BYTES.
    private var held: [(label: String, bytes: Int, channel: DataChannel)] = []

    /// Serves the channels `peer` is offered from now on (loop thread).
    public init(peer: PeerConnection, loop: EventLoop) {
        self.loop = loop
        self.peer = peer
        peer.onDataChannel = { [weak self] ch in self?.adopt(ch) }
    }

    private func adopt(_ ch: DataChannel) {
        channels.append(ch)
        let label = ch.label
        if label == "rtt" {
            ch.onMessage = { [weak ch] m in
                if case let .binary(b) = m { try? ch?.send(binary: b) }
            }
        } else if label == "ctl" {
            ch.onMessage = { [weak self, weak ch] m in
                guard let self, let ch, case let .text(t) = m else { return }
                self.control(t, on: ch)
            }
        } else {
            counters[label] = Counter()
            ch.onMessage = { [weak self] m in
                guard let self else { return }
                let n: Int
                switch m {
                case let .binary(b): n = b.count
                case let .text(t): n = t.utf8.count
                }
                let now = self.loop.now.nanoseconds
                if self.counters[label, default: Counter()].messages == 0 { self.counters[label]?.firstNanos = now }
                self.counters[label, default: Counter()].bytes += n
                self.counters[label, default: Counter()].messages += 1
                self.counters[label]?.lastNanos = now
                self.answerHeld(label)
            }
        }
    }

    /// `report LABEL` → `{"label":..,"bytes":..,"messages":..,"first_ns":..,"last_ns":..}`;
    /// `report LABEL BYTES` answers the same once LABEL has received at least BYTES bytes, so
    /// the sender waits for its last byte without asking again and again.
    private func control(_ text: String, on ch: DataChannel) {
        let parts = text.split(separator: " ")
        guard parts.count == 2 || parts.count == 3, parts[0] == "report" else { return }
        let label = String(parts[1])
        if parts.count == 3 {
            guard let bytes = Int(parts[2]) else { return }
            if (counters[label]?.bytes ?? 0) < bytes {
                held.append((label, bytes, ch))
                return
            }
        }
        reply(label, on: ch)
    }

    private func answerHeld(_ label: String) {
        guard !held.isEmpty, let count = counters[label]?.bytes else { return }
        let due = held.filter { $0.label == label && $0.bytes <= count }
        guard !due.isEmpty else { return }
        held.removeAll { $0.label == label && $0.bytes <= count }
        for h in due { reply(label, on: h.channel) }
    }

    private func reply(_ label: String, on ch: DataChannel) {
        let c = counters[label] ?? Counter()
        let reply = "{\"label\":\"\(label)\",\"bytes\":\(c.bytes),\"messages\":\(c.messages),"
            + "\"first_ns\":\(c.firstNanos),\"last_ns\":\(c.lastNanos)}"
        try? ch.send(text: reply)
    }
}
