#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket

/// A non-blocking UDP socket watched by the event loop. Reads are batched with `recvmmsg` so one
/// wake-up drains many datagrams (STACK-NOTES: syscalls are the budget).
public final class UDPSocket: DatagramSocket {
    public let fd: Int32
    public let localAddress: TransportAddress
    private let loop: EventLoop
    /// Called on the loop for each datagram: (bytes, sender).
    public var onDatagram: (([UInt8], TransportAddress) -> Void)? {
        didSet { if onDatagram != nil { borrowingReceiver = nil } }
    }
    /// Gets each datagram borrowed from the receive slots instead (no array per datagram).
    private var borrowingReceiver: ((UnsafeRawBufferPointer, TransportAddress) -> Void)?
    private var closed = false
    /// The last sender, raw and parsed: a stream from one peer makes its `TransportAddress`
    /// (an array) once, not per datagram.
    private var lastSender = sockaddr_storage()
    private var lastSenderLength: socklen_t = 0
    private var lastSenderAddress: TransportAddress?
    /// The last destination as a socket address: a stream to one peer converts it once.
    private var lastDestination = sockaddr_storage()
    private var lastDestinationLength: socklen_t = 0
    private var lastDestinationAddress: TransportAddress?

    /// recvmmsg slots per call: 32 datagrams without GRO; with GRO each slot takes a whole burst
    /// (up to 64 KB), so 8 slots move as much per call and the receive buffers stay 512 KB instead
    /// of 2 MB (their pages become resident as bursts fill them: ~1.7 MB of RSS at full speed).
    private let batch: Int
    /// Datagrams queued for one `sendmmsg`: a full batch of 1.2 KB SCTP packets fills about one
    /// GSO message (64 KB).
    private static let sendBatch = 64
    private static let maxDatagram = 2048
    /// Receive slot size with UDP_GRO: the kernel may coalesce up to 64 KB of one flow.
    private static let maxCoalesced = 65_536
    private let recvBuffers: UnsafeMutableRawPointer
    private var slots: [rtc_datagram]
    private let sendBuffers: UnsafeMutableRawPointer
    private var sendSlots: [rtc_datagram]
    private var sendCount = 0
    private var flushScheduled = false
    /// UDP GSO on send (UDP_SEGMENT); cleared by the C side if the kernel or route refuses it.
    /// `RTC_UDP_GSO=0` turns GSO and GRO off (for comparison and for odd kernels).
    private var gso: Int32 = UDPSocket.offloadAllowed ? 1 : 0
    private static let offloadAllowed: Bool = {
        if let v = getenv("RTC_UDP_GSO"), String(cString: v) == "0" { return false }
        return true
    }()

    /// Binds to `address` (port 0 picks a free port).
    /// - Throws: `SocketError` when the socket cannot be created or bound.
    public init(loop: EventLoop, bindTo address: TransportAddress) throws {
        self.loop = loop
        let family = address.family == .ipv6 ? AF_INET6 : AF_INET
        let s = rtc_udp_socket(family)
        guard s >= 0 else { throw SocketError.system("socket", errno) }
        if address.family == .ipv6 {
            var on: Int32 = 1
            setsockopt(s, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        // Large kernel buffers absorb bursts of SCTP packets; the FORCE variants pass rmem_max
        // when we may (root), the plain ones are capped by it otherwise.
        var size: Int32 = 4 << 20
        let intSize = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, intSize) != 0 {
            setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, intSize)
        }
        if setsockopt(s, SOL_SOCKET, SO_SNDBUFFORCE, &size, intSize) != 0 {
            setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, intSize)
        }
        var rc = address.withSockAddr { bind(s, $0, $1) }
        guard rc == 0 else {
            let e = errno
            Glibc.close(s)
            throw SocketError.system("bind \(address)", e)
        }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        fd = s
        localAddress = TransportAddress(storage: storage) ?? address

        // UDP GRO: a burst of datagrams from one peer arrives as one buffer of equal-size
        // segments, so one recvmmsg slot carries up to ~50 SCTP packets and the kernel's
        // per-datagram receive path runs once per burst. Pages of the larger slots are only
        // touched (resident) as far as bursts fill them.
        let gro = Self.offloadAllowed && rtc_udp_enable_gro(s) == 0
        let slotSize = gro ? Self.maxCoalesced : Self.maxDatagram
        batch = gro ? 8 : 32
        let buffers = UnsafeMutableRawPointer.allocate(byteCount: batch * slotSize, alignment: 16)
        recvBuffers = buffers
        slots = (0..<batch).map { i in
            rtc_datagram(buf: buffers + i * slotSize, cap: slotSize, len: 0,
                         addr: sockaddr_storage(), addrlen: 0, segment: 0)
        }
        let outgoing = UnsafeMutableRawPointer.allocate(byteCount: Self.sendBatch * Self.maxDatagram, alignment: 16)
        sendBuffers = outgoing
        sendSlots = (0..<Self.sendBatch).map { i in
            rtc_datagram(buf: outgoing + i * Self.maxDatagram, cap: Self.maxDatagram, len: 0,
                         addr: sockaddr_storage(), addrlen: 0, segment: 0)
        }
        loop.register(fd: s) { [weak self] in self?.drain() }
    }

    public func setBorrowingReceiver(_ receiver: ((UnsafeRawBufferPointer, TransportAddress) -> Void)?) {
        if receiver != nil { onDatagram = nil }
        borrowingReceiver = receiver
    }

    deinit {
        if !closed { Glibc.close(fd) }
        recvBuffers.deallocate()
        sendBuffers.deallocate()
    }

    public func close() {
        guard !closed else { return }
        flush()
        closed = true
        loop.unregister(fd: fd)
        Glibc.close(fd)
    }

    /// Queues one datagram; everything queued during one turn of the loop leaves in a single
    /// `sendmmsg` at the end of the turn (or when the batch is full). Returns false when the
    /// socket is closed; datagrams the kernel refuses later (buffer full) are dropped, as UDP
    /// would drop them on the wire.
    @discardableResult
    public func send(_ bytes: [UInt8], to address: TransportAddress) -> Bool {
        bytes.withUnsafeBytes { send(bytes: $0, to: address) }
    }

    /// Like `send(_:to:)` for bytes the caller owns only during the call (copied into the batch).
    @discardableResult
    public func send(bytes: UnsafeRawBufferPointer, to address: TransportAddress) -> Bool {
        guard !closed else { return false }
        guard bytes.count <= Self.maxDatagram else {
            let n = address.withSockAddr { sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, $1) }
            return n == bytes.count
        }
        let slot = sendCount
        if let src = bytes.baseAddress { sendSlots[slot].buf.copyMemory(from: src, byteCount: bytes.count) }
        sendSlots[slot].len = bytes.count
        if address != lastDestinationAddress {
            address.withSockAddr { sa, len in
                withUnsafeMutableBytes(of: &lastDestination) { dst in
                    dst.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(len)))
                }
                lastDestinationLength = len
            }
            lastDestinationAddress = address
        }
        sendSlots[slot].addr = lastDestination
        sendSlots[slot].addrlen = lastDestinationLength
        sendCount += 1
        if sendCount == Self.sendBatch {
            flush()
        } else if !flushScheduled {
            flushScheduled = true
            loop.enqueue { [weak self] in self?.flush() }
        }
        return true
    }

    /// Hands every queued datagram to the kernel.
    public func flush() {
        flushScheduled = false
        var offset = 0
        while offset < sendCount && !closed {
            let n = sendSlots.withUnsafeMutableBufferPointer { slots in
                rtc_send_batch_gso(fd, slots.baseAddress! + offset, Int32(sendCount - offset), &gso)
            }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break  // EAGAIN/ENOBUFS: the rest is dropped like a full queue on the wire.
            }
            offset += Int(n)
        }
        sendCount = 0
    }

    private func drain() {
        // Bounded: at most 8 batches per wake-up so timers and other sockets get their turn.
        for _ in 0..<8 {
            guard !closed else { return }
            let n = Int(rtc_recv_batch(fd, &slots, Int32(batch)))
            guard n > 0 else { return }
            for i in 0..<n {
                guard let from = sender(of: i) else { continue }
                let base = slots[i].buf!, total = slots[i].len
                // A GRO buffer holds datagrams of `segment` bytes back to back, the last maybe shorter.
                let step = slots[i].segment > 0 ? slots[i].segment : max(total, 1)
                var offset = 0
                repeat {
                    let count = min(step, total - offset)
                    let bytes = UnsafeRawBufferPointer(start: base + offset, count: count)
                    if let borrowingReceiver {
                        borrowingReceiver(bytes, from)
                    } else {
                        onDatagram?([UInt8](bytes), from)
                    }
                    offset += count
                } while offset < total && !closed
            }
            if n < batch { return }
        }
    }

    /// The sender of receive slot `i`; the same value as the last datagram's when the raw
    /// address is the same.
    private func sender(of i: Int) -> TransportAddress? {
        let length = slots[i].addrlen
        if let last = lastSenderAddress, length == lastSenderLength,
           withUnsafeBytes(of: &slots[i].addr, { a in
               withUnsafeBytes(of: &lastSender) { b in memcmp(a.baseAddress!, b.baseAddress!, Int(length)) == 0 }
           }) {
            return last
        }
        guard let from = TransportAddress(storage: slots[i].addr) else { return nil }
        lastSender = slots[i].addr
        lastSenderLength = length
        lastSenderAddress = from
        return from
    }
}

public enum SocketError: Error, CustomStringConvertible {
    case system(String, Int32)

    public var description: String {
        switch self {
        case let .system(what, code): return "\(what): \(String(cString: strerror(code)))"
        }
    }
}

extension TransportAddress {
    /// Calls `body` with this address as a `sockaddr` and its length.
    package func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if family == .ipv6 {
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin6_addr) { raw in
                for (i, b) in ip.enumerated() { raw[i] = b }
            }
            return withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sa.sin_addr) { raw in
                for (i, b) in ip.enumerated() { raw[i] = b }
            }
            return withUnsafePointer(to: &sa) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    /// Reads an IPv4 or IPv6 socket address; nil for other families.
    package init?(storage: sockaddr_storage) {
        var s = storage
        switch Int32(s.ss_family) {
        case AF_INET:
            let (ip, port): ([UInt8], UInt16) = withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                    (withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) }, UInt16(bigEndian: p.pointee.sin_port))
                }
            }
            self.init(ip: ip, port: port)
        case AF_INET6:
            let (ip, port): ([UInt8], UInt16) = withUnsafePointer(to: &s) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                    (withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) }, UInt16(bigEndian: p.pointee.sin6_port))
                }
            }
            self.init(ip: ip, port: port)
        default:
            return nil
        }
    }
}
