/// A network impairment stage for benchmarks and tests: it sits between two layers and delays
/// and/or drops the datagrams that arrive through it, on the event loop (no root, no `tc netem`).
/// With both peers impaired, every packet is delayed once each way: RTT grows by 2×delay.
///
/// It acts on the receive side on purpose: datagrams leave the kernel's socket buffer at once
/// and wait here, so a large window in flight cannot overflow that buffer (which a delayed
/// burst of sends did, turning delay into loss).
public final class ImpairedTransport: PacketTransport {
    public struct Impairment: Sendable, Equatable {
        /// One-way delay added to every datagram sent.
        public var delay: Duration
        /// Fraction of datagrams dropped, 0...1.
        public var loss: Double

        public init(delay: Duration = .zero, loss: Double = 0) {
            self.delay = delay
            self.loss = loss
        }
    }

    private let loop: EventLoop
    private let lower: PacketTransport
    private let impairment: Impairment
    private var rng: SplitMix64
    /// Delayed datagrams in send order; one timer drains what is due, so order is kept.
    private var queue: [(due: LoopInstant, packet: [UInt8])] = []
    private var queueHead = 0
    private var timer: ScheduledTask?

    public var onReceive: (([UInt8]) -> Void)?

    public init(loop: EventLoop, lower: PacketTransport, impairment: Impairment, seed: UInt64 = 0x5EED) {
        self.loop = loop
        self.lower = lower
        self.impairment = impairment
        rng = SplitMix64(seed: seed)
        lower.onReceive = { [weak self] packet in self?.arrived(packet) }
    }

    @discardableResult
    public func send(_ packet: [UInt8]) -> Bool { lower.send(packet) }

    @discardableResult
    public func send(bytes packet: UnsafeRawBufferPointer) -> Bool { lower.send(bytes: packet) }

    private func arrived(_ packet: [UInt8]) {
        if impairment.loss > 0, Double(rng.next() % 1_000_000) / 1_000_000 < impairment.loss { return }
        guard impairment.delay > .zero else {
            onReceive?(packet)
            return
        }
        queue.append((loop.now + impairment.delay, packet))
        if timer == nil { arm() }
    }

    private func arm() {
        guard queueHead < queue.count else {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            timer = nil
            return
        }
        timer = loop.schedule(at: queue[queueHead].due) { [weak self] in self?.releaseDue() }
    }

    private func releaseDue() {
        let now = loop.now
        while queueHead < queue.count, queue[queueHead].due <= now {
            onReceive?(queue[queueHead].packet)
            queueHead += 1
        }
        if queueHead > 4096 {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        arm()
    }
}
