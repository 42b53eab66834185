#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket
import Histogram
import RTC

/// The RTP stream of `rtc bench --media`: sends RTP packets to the relay's input port and
/// receives what comes out of its output port. Each payload starts with the bench sequence
/// number and the send time (CLOCK_MONOTONIC ns, both big-endian), so latency and loss are
/// measured per packet whatever the relay rewrote in the RTP header.
// @unchecked Sendable is safe: what the receiving thread shares (`tally`, `first`, `count`, `seen`,
// the flags) is guarded by `state`; `sequence` is used only by the one thread calling `run`/`stop`.
final class MediaBenchTraffic: @unchecked Sendable {
    /// One measured run: what arrived of `first..<first + count`.
    struct Tally {
        var sent = 0
        var received = 0
        var duplicates = 0
        var outOfRange = 0
        var firstSend: UInt64 = 0
        var lastReceive: UInt64 = 0
        var latencyNanos = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    static let headerLength = 12
    private static let batch = 32
    private static let slotSize = 2048
    /// Receive slot size with UDP GRO: a burst of the relay's datagrams, up to 64 KB.
    private static let coalescedSlotSize = 65_536

    let payloadSize: Int
    private let sendFD: Int32
    private let receiveFD: Int32
    /// Where the relay takes RTP in.
    private let destination: sockaddr_in
    /// The port the relay sends its output to.
    let receivePort: UInt16
    /// Whether the receiving socket takes UDP GRO bursts (as `rtc`'s own sockets do): a relay that
    /// sends with GSO then hands us its batches whole, and the kernel does not cut them into
    /// datagrams for us on the relay's time (on loopback the sender's CPU runs the receive path).
    /// `RTC_UDP_GSO=0` turns it off, as for `rtc`.
    let receiveGRO: Bool
    private var sequence: UInt64 = 0

    private let state = Condition()
    private var tally = Tally()
    private var first: UInt64 = 0
    private var count: UInt64 = 0
    private var seen: [UInt64] = []
    private var stopping = false
    private var receiverDone = false

    /// - Throws: `BenchError` when the sockets cannot be made.
    init(payloadSize: Int, destinationPort: UInt16) throws {
        self.payloadSize = payloadSize
        destination = LoopbackUDP.address(port: destinationPort)
        sendFD = try LoopbackUDP.bound()
        receiveFD = try LoopbackUDP.bound()
        // Bursts of the max-rate run must not overflow our receive buffer (root passes rmem_max).
        var size: Int32 = 8 << 20
        let intSize = socklen_t(MemoryLayout<Int32>.size)
        for fd in [sendFD, receiveFD] {
            if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, intSize) != 0 {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, intSize)
            }
            if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, intSize) != 0 {
                setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, intSize)
            }
        }
        receivePort = LoopbackUDP.port(of: receiveFD)
        let offload = getenv("RTC_UDP_GSO").map { String(cString: $0) != "0" } ?? true
        receiveGRO = offload && rtc_udp_enable_gro(receiveFD) == 0
        startThread(name: "bench-receive") { [self] in receiveLoop() }
    }

    /// Stops the receiving thread and closes the sockets.
    func stop() {
        state.withLock { stopping = true }
        state.lock()
        let deadline = Deadline.after(2)
        while !receiverDone && state.wait(until: deadline) {}
        state.unlock()
        close(sendFD)
        close(receiveFD)
    }

    /// Sends up to `count` packets for at most `seconds` at `rate` per second (nil: as fast as
    /// the relay forwards, at most `window` packets in flight), then waits until the stream
    /// stops arriving (`drain` seconds without a packet, or all arrived).
    func run(count: Int, rate: Double?, seconds: Double, window: Int, drain: Double) -> Tally {
        state.withLock {
            first = sequence
            self.count = UInt64(count)
            seen = [UInt64](repeating: 0, count: (count + 63) / 64)
            tally = Tally()
            tally.firstSend = monotonicNanoseconds()
        }
        let start = monotonicNanoseconds()
        // A paced run's last packets fall due just before `seconds` are up; a sleep that
        // oversleeps there (a loaded machine) must not drop them, so it gets a second's grace.
        let end = start + UInt64((rate == nil ? seconds : seconds + 1) * 1e9)
        var sent = 0
        var forgiven = 0
        while sent < count && monotonicNanoseconds() < end {
            var due = count
            if let rate {
                due = min(count, Int(Double(monotonicNanoseconds() - start) * rate / 1e9) + 1)
                if due <= sent {
                    // Sleep until the next packet is due (absolute, so oversleeping does not add up).
                    let at = start + UInt64(Double(sent) * 1e9 / rate)
                    var ts = timespec(tv_sec: Int(at / 1_000_000_000), tv_nsec: Int(at % 1_000_000_000))
                    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
                    continue
                }
            } else {
                // Closed loop: wait while the window is full. When nothing arrives for 100 ms
                // the packets in flight are taken as lost, so they stop holding the window.
                state.lock()
                var progress = tally.received
                var deadline = Deadline.after(0.1)
                while sent - tally.received - forgiven >= window {
                    if tally.received != progress {
                        progress = tally.received
                        deadline = .after(0.1)
                    }
                    if !state.wait(until: deadline) && tally.received == progress {
                        forgiven = sent - tally.received
                        break
                    }
                }
                state.unlock()
                due = min(count, sent + Self.batch)
            }
            let n = min(Self.batch, due - sent)
            sendBatch(n)
            sent += n
        }
        // The stream is over when everything arrived or nothing came for `drain` seconds.
        state.lock()
        tally.sent = sent
        while tally.received < sent {
            let before = tally.received
            _ = state.wait(until: .after(drain))
            if tally.received == before { break }
        }
        let result = tally
        self.count = 0
        state.unlock()
        return result
    }

    /// Sends the next `n` packets in one sendmmsg, each stamped with the time just before it.
    private func sendBatch(_ n: Int) {
        let packetLength = Self.headerLength + payloadSize
        var buffer = [UInt8](repeating: 0xA5, count: n * packetLength)
        var slots = [rtc_datagram](repeating: rtc_datagram(), count: n)
        var address = sockaddr_storage()
        withUnsafeBytes(of: destination) { sa in withUnsafeMutableBytes(of: &address) { $0.copyMemory(from: sa) } }
        let addressLength = socklen_t(MemoryLayout<sockaddr_in>.size)
        let now = monotonicNanoseconds()
        // One function holds the raw buffer: header and stamps written in place, slots point into it.
        buffer.withUnsafeMutableBytes { raw in
            for i in 0..<n {
                let p = raw.baseAddress! + i * packetLength
                let seq = sequence + UInt64(i)
                p.storeBytes(of: UInt8(0x80), as: UInt8.self)
                p.storeBytes(of: UInt8(96), toByteOffset: 1, as: UInt8.self)
                p.storeBytes(of: UInt16(truncatingIfNeeded: seq).bigEndian, toByteOffset: 2, as: UInt16.self)
                p.storeBytes(of: UInt32(truncatingIfNeeded: seq &* 90).bigEndian, toByteOffset: 4, as: UInt32.self)
                p.storeBytes(of: UInt32(0x5EED_0001).bigEndian, toByteOffset: 8, as: UInt32.self)
                p.storeBytes(of: seq.bigEndian, toByteOffset: Self.headerLength, as: UInt64.self)
                p.storeBytes(of: now.bigEndian, toByteOffset: Self.headerLength + 8, as: UInt64.self)
                slots[i].buf = p
                slots[i].cap = packetLength
                slots[i].len = packetLength
                slots[i].addr = address
                slots[i].addrlen = addressLength
            }
            var done = 0
            while done < n {
                let k = slots.withUnsafeBufferPointer { rtc_send_batch(sendFD, $0.baseAddress! + done, Int32(n - done)) }
                if k > 0 {
                    done += Int(k)
                } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS {
                    var entry = pollfd(fd: sendFD, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&entry, 1, 10)
                } else {
                    break  // counted as lost
                }
            }
        }
        sequence += UInt64(n)
    }

    /// Receives on `receivePort` until the traffic object goes away; counts each packet of the
    /// current run once and records its latency.
    private func receiveLoop() {
        let slotCount = receiveGRO ? 8 : Self.batch
        let slotSize = receiveGRO ? Self.coalescedSlotSize : Self.slotSize
        let storage = UnsafeMutableRawPointer.allocate(byteCount: slotCount * slotSize, alignment: 16)
        defer { storage.deallocate() }
        var slots = (0..<slotCount).map { i in
            rtc_datagram(buf: storage + i * slotSize, cap: slotSize, len: 0,
                         addr: sockaddr_storage(), addrlen: 0, segment: 0)
        }
        while !state.withLock({ stopping }) {
            var entry = pollfd(fd: receiveFD, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) > 0 else { continue }
            let n = slots.withUnsafeMutableBufferPointer { rtc_recv_batch(receiveFD, $0.baseAddress!, Int32(slotCount)) }
            guard n > 0 else { continue }
            let now = monotonicNanoseconds()
            state.lock()
            for i in 0..<Int(n) {
                // A GRO slot holds datagrams of `segment` bytes back to back, the last maybe shorter.
                let total = slots[i].len
                let step = slots[i].segment > 0 ? slots[i].segment : max(total, 1)
                var offset = 0
                while offset < total {
                    let count = min(step, total - offset)
                    record(UnsafeRawBufferPointer(start: slots[i].buf! + offset, count: count), at: now)
                    offset += count
                }
            }
            state.broadcast()
            state.unlock()
        }
        state.withLock { receiverDone = true }
        state.broadcast()
    }

    /// Counts one packet of the current run and records its latency. Call with the lock held.
    private func record(_ packet: UnsafeRawBufferPointer, at now: UInt64) {
        guard let (seq, stamp) = Self.stamps(in: packet) else { return }
        guard seq >= first, seq < first + count else {
            tally.outOfRange += 1
            return
        }
        let index = Int(seq - first)
        let bit: UInt64 = 1 << UInt64(index % 64)
        guard seen[index / 64] & bit == 0 else {
            tally.duplicates += 1
            return
        }
        seen[index / 64] |= bit
        tally.received += 1
        tally.lastReceive = now
        _ = tally.latencyNanos.record(now >= stamp ? now - stamp : 0)
    }

    /// The bench sequence number and send time after the RTP header (RFC 3550 §5.1: CSRCs and an
    /// extension may precede the payload), or nil when the packet is not RTP or too short.
    static func stamps(in packet: UnsafeRawBufferPointer) -> (sequence: UInt64, sentNanos: UInt64)? {
        guard packet.count >= headerLength, packet[0] >> 6 == 2 else { return nil }
        var offset = headerLength + 4 * Int(packet[0] & 0x0F)
        if packet[0] & 0x10 != 0 {
            guard packet.count >= offset + 4 else { return nil }
            offset += 4 + 4 * (Int(packet[offset + 2]) << 8 | Int(packet[offset + 3]))
        }
        guard packet.count >= offset + 16 else { return nil }
        var seq: UInt64 = 0, stamp: UInt64 = 0
        for k in 0..<8 {
            seq = seq << 8 | UInt64(packet[offset + k])
            stamp = stamp << 8 | UInt64(packet[offset + 8 + k])
        }
        return (seq, stamp)
    }
}
