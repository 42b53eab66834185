/// One layer of the stack as its upper neighbour sees it: packets go down with `send`, and come
/// up through `onReceive`. ICE, DTLS and the in-memory test link all have this shape, so each
/// layer can be tested over a fake lower one (libdatachannel's Transport has the same split).
public protocol PacketTransport: AnyObject {
    /// Sends one datagram down. Returns false when it was dropped (not connected, buffer full).
    @discardableResult
    func send(_ packet: [UInt8]) -> Bool
    /// Sends one datagram that the caller owns only for the duration of the call. The hot path
    /// (SCTP -> DTLS -> ICE -> UDP) uses it so no layer allocates an array per packet; layers
    /// without a faster way inherit a copy into `send(_:)`.
    @discardableResult
    func send(bytes packet: UnsafeRawBufferPointer) -> Bool
    /// Called on the event loop with each datagram that arrives from below.
    var onReceive: (([UInt8]) -> Void)? { get set }
    /// Sets (or with nil, clears) a receiver that gets each datagram borrowed for the duration of
    /// the call, in place of `onReceive`. A layer that reads into a buffer of its own (DTLS's
    /// record buffer) hands it up without an array per packet; layers without one inherit a
    /// wrapper around `onReceive`.
    func setBorrowingReceiver(_ receiver: ((UnsafeRawBufferPointer) -> Void)?)
}

extension PacketTransport {
    @discardableResult
    public func send(bytes packet: UnsafeRawBufferPointer) -> Bool { send(Array(packet)) }

    public func setBorrowingReceiver(_ receiver: ((UnsafeRawBufferPointer) -> Void)?) {
        onReceive = receiver.map { r in { packet in packet.withUnsafeBytes(r) } }
    }
}

/// Two connected in-memory endpoints for tests: what one sends, the other receives on the next
/// turn of the loop. Loss and delay can be set to exercise retransmission.
public final class MemoryLink {
    public final class Endpoint: PacketTransport {
        weak var link: MemoryLink?
        weak var peer: Endpoint?
        public var onReceive: (([UInt8]) -> Void)?
        private var held: [[UInt8]] = []
        /// Packets sent by this endpoint so far (for inspection).
        public private(set) var sentCount = 0
        /// Drops every packet sent while true.
        public var blackhole = false

        @discardableResult
        public func send(_ packet: [UInt8]) -> Bool {
            sentCount += 1
            guard let link, let peer, !blackhole else { return true }
            if link.shouldDrop() { return true }
            let deliver = { [weak peer] in
                guard let peer else { return }
                if let r = peer.onReceive { r(packet) } else { peer.held.append(packet) }
            }
            if link.delay == .zero {
                link.loop.enqueue(deliver)
            } else {
                link.loop.schedule(in: link.delay, deliver)
            }
            return true
        }

        /// Hands over packets that arrived before `onReceive` was set.
        public func flushHeld() {
            let h = held
            held.removeAll()
            for p in h { onReceive?(p) }
        }
    }

    public let a = Endpoint()
    public let b = Endpoint()
    let loop: EventLoop
    public var delay: Duration = .zero
    /// Fraction of packets dropped, 0...1, drawn from a seeded generator.
    public var lossRate: Double = 0
    private var rng: SplitMix64

    public init(loop: EventLoop, seed: UInt64 = 1) {
        self.loop = loop
        rng = SplitMix64(seed: seed)
        a.link = self
        b.link = self
        a.peer = b
        b.peer = a
    }

    func shouldDrop() -> Bool {
        guard lossRate > 0 else { return false }
        return Double(rng.next() % 1_000_000) / 1_000_000 < lossRate
    }
}

/// A small seeded generator for reproducible tests (ICE tie-breakers, loss patterns).
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
