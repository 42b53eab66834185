import Testing
@testable import RTCCore
@testable import RTCDTLS
import RTCTestSupport

/// DTLS over a real `PollEventLoop`: proves the layer runs off the manual loop, and exercises
/// OpenSSL's retransmission, whose timer (OpenSSL 3.0) follows the wall clock.
@Suite struct DTLSPollEventLoopTests {
    /// A value the loop thread writes and the test reads once it has awaited the loop: kept
    /// under a lock, so ThreadSanitizer sees the hand-over too (it reported the plain fields
    /// racing between the loop's write and the test's read after the continuation resumed).
    @propertyWrapper final class Guarded<Value>: @unchecked Sendable {
        // @unchecked Sendable is safe: `value` is only touched under `lock`.
        private let lock = Lock()
        private var value: Value
        init(wrappedValue: Value) { value = wrappedValue }
        var wrappedValue: Value {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    /// Keeps the objects created on the loop alive for the test's duration.
    // @unchecked Sendable is safe: `pair` is only used on the loop thread; the rest is Guarded.
    final class Holder: @unchecked Sendable {
        var pair: DTLSPair?
        @Guarded var received: [[UInt8]] = []
        @Guarded var firstFlightDatagrams = 0
        // Snapshot taken on the loop thread, read by the test after the loop is done with it.
        @Guarded var bothConnected = false
        @Guarded var clientSent = 0
        @Guarded var keysCrossed = false
        @Guarded var elapsed: Duration?
        @Guarded var sendTimes: [LoopInstant] = []
    }

    /// Takes the snapshot, then breaks the pair's closures and releases it on the loop thread.
    private func tearDown(_ loop: PollEventLoop, _ holder: Holder) async {
        _ = await onLoop(loop, timeout: .seconds(5)) { finish in
            if let pair = holder.pair {
                holder.bothConnected = pair.bothConnected
                holder.clientSent = pair.clientTap.sent.count
                if let c = pair.client.srtpKeyingMaterial, let s = pair.server.srtpKeyingMaterial {
                    holder.keysCrossed = c.localMasterKey == s.remoteMasterKey && c.remoteMasterKey == s.localMasterKey
                }
                for t in [pair.client, pair.server] {
                    t.onStateChange = nil
                    t.onReceive = nil
                    t.close()
                }
            }
            holder.pair = nil
            finish(true)
        }
    }

    /// Runs `body` on the loop and waits until it calls `finish`, or until `timeout` passes.
    /// Both the completion and the deadline run on the loop thread, so exactly one resumes.
    private func onLoop(_ loop: PollEventLoop, timeout: Duration,
                        _ body: @escaping @Sendable (_ finish: @escaping (Bool) -> Void) -> Void) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            loop.execute {
                var done = false
                let finish: (Bool) -> Void = { ok in
                    guard !done else { return }
                    done = true
                    continuation.resume(returning: ok)
                }
                loop.schedule(in: timeout) { finish(false) }
                body(finish)
            }
        }
    }

    @Test func handshakeAndEchoOnPollEventLoop() async throws {
        let loop = PollEventLoop()
        loop.start(name: "dtls-test")
        defer { loop.stop() }
        let holder = Holder()
        let ok = await onLoop(loop, timeout: .seconds(10)) { finish in
            do {
                let pair = try DTLSPair(loop: loop)
                holder.pair = pair
                let server = pair.server
                server.onReceive = { [unowned server] record in server.send(record) }  // echo
                pair.client.onReceive = { record in
                    holder.received.append(record)
                    if holder.received.count == 3 { finish(true) }
                }
                pair.client.onStateChange = { state in
                    if state == .connected {
                        for i in 1...3 { pair.client.send([UInt8](repeating: UInt8(i), count: 500 * i)) }
                    } else if state.isTerminal {
                        finish(false)
                    }
                }
                pair.start()
            } catch {
                finish(false)
            }
        }
        await tearDown(loop, holder)
        #expect(ok)
        #expect(holder.received.map(\.count) == [500, 1000, 1500])
        #expect(holder.keysCrossed)
    }

    @Test(arguments: [UInt64(7), 1234])
    func handshakeCompletesThroughLossAndABlackholedFirstFlight(seed: UInt64) async throws {
        let loop = PollEventLoop()
        loop.start(name: "dtls-loss")
        defer { loop.stop() }
        let holder = Holder()
        let ok = await onLoop(loop, timeout: .seconds(20)) { finish in
            do {
                let pair = try DTLSPair(loop: loop, seed: seed) { $0.initialRetransmitTimeout = .milliseconds(50) }
                holder.pair = pair
                pair.link.lossRate = 0.3
                pair.link.a.blackhole = true  // the ClientHello never arrives
                let check = {
                    if pair.bothConnected { finish(true) } else if pair.client.state.isTerminal
                        || pair.server.state.isTerminal
                    { finish(false) }
                }
                pair.client.onStateChange = { _ in check() }
                pair.server.onStateChange = { _ in check() }
                pair.start()
                holder.firstFlightDatagrams = pair.clientTap.sent.count
                loop.schedule(in: .milliseconds(120)) { pair.link.a.blackhole = false }
            } catch {
                finish(false)
            }
        }
        await tearDown(loop, holder)
        #expect(ok)
        #expect(holder.bothConnected)
        // The client must have resent its first flight to get through.
        #expect(holder.clientSent > holder.firstFlightDatagrams + 1)
        #expect(holder.keysCrossed)
    }

    /// Default timers: a ClientHello the peer dropped (Janus, libdatachannel before their ICE is
    /// connected) is resent by the 100 ms start timer, not after OpenSSL's own 1 s.
    @Test func droppedFirstClientHelloIsResentAfterTheStartTimer() async throws {
        let loop = PollEventLoop()
        loop.start(name: "dtls-first-hello")
        defer { loop.stop() }
        let holder = Holder()
        let ok = await onLoop(loop, timeout: .seconds(10)) { finish in
            do {
                let pair = try DTLSPair(loop: loop)
                holder.pair = pair
                var dropped = false
                pair.clientTap.drop = { _ in
                    defer { dropped = true }
                    return !dropped
                }
                let started = loop.now
                let check = {
                    if pair.bothConnected {
                        holder.elapsed = loop.now.since(started)
                        finish(true)
                    } else if pair.client.state.isTerminal || pair.server.state.isTerminal {
                        finish(false)
                    }
                }
                pair.client.onStateChange = { _ in check() }
                pair.server.onStateChange = { _ in check() }
                pair.start()
            } catch {
                finish(false)
            }
        }
        let dropped = holder.pair?.clientTap.dropped ?? -1
        await tearDown(loop, holder)
        #expect(ok)
        #expect(dropped == 1)
        let elapsed = try #require(holder.elapsed)
        // OpenSSL counts the last 15 ms of a timer as expired; 1 s would be OpenSSL's default.
        #expect(elapsed >= .milliseconds(85) && elapsed < .milliseconds(500), "connected after \(elapsed)")
    }

    /// Unanswered, the first flight goes out again after 50, 100, 200 and 400 ms: OpenSSL asks our
    /// timer callback for each timeout and our loop timer fires `DTLSv1_handle_timeout`.
    @Test func retransmitTimerDoubles() async throws {
        let loop = PollEventLoop()
        loop.start(name: "dtls-doubling")
        defer { loop.stop() }
        let holder = Holder()
        let ok = await onLoop(loop, timeout: .seconds(10)) { finish in
            do {
                let pair = try DTLSPair(loop: loop) { $0.initialRetransmitTimeout = .milliseconds(50) }
                holder.pair = pair
                pair.clientTap.drop = { _ in
                    holder.sendTimes.append(loop.now)
                    if holder.sendTimes.count == 5 { finish(true) }
                    return true  // the server never hears anything
                }
                pair.client.start()
            } catch {
                finish(false)
            }
        }
        await tearDown(loop, holder)
        #expect(ok)
        let times = holder.sendTimes
        try #require(times.count >= 5)
        for (i, expected) in [50, 100, 200, 400].enumerated() {
            let gap = times[i + 1].since(times[i])
            #expect(gap >= .milliseconds(expected - 16) && gap < .milliseconds(expected + 150),
                    "retransmission \(i + 1) after \(gap), expected \(expected) ms")
        }
    }

    /// The server's last flight (CCS + Finished, RFC 6347 §4.2.4 figure 2) is lost once: the client
    /// retransmits its flight, and the connected server must answer with its last flight again.
    @Test func lostFinalServerFlightIsRecovered() async throws {
        let loop = PollEventLoop()
        loop.start(name: "dtls-final-flight")
        defer { loop.stop() }
        let holder = Holder()
        let ok = await onLoop(loop, timeout: .seconds(20)) { finish in
            do {
                let pair = try DTLSPair(loop: loop) { $0.initialRetransmitTimeout = .milliseconds(50) }
                holder.pair = pair
                var droppedOnce = false
                // The server's first datagram holding a ChangeCipherSpec carries its last flight.
                // Not always at its start: records written in one call go out packed, so on a
                // stalled loop a retransmitted record can precede it (TSan on a loaded box).
                pair.serverTap.drop = { datagram in
                    guard !droppedOnce,
                        DTLSRecord.split(datagram).contains(where: { datagram[$0.lowerBound] == DTLSRecord.changeCipherSpec })
                    else { return false }
                    droppedOnce = true
                    return true
                }
                let check = {
                    if pair.bothConnected { finish(true) } else if pair.client.state.isTerminal
                        || pair.server.state.isTerminal
                    { finish(false) }
                }
                pair.client.onStateChange = { _ in check() }
                pair.server.onStateChange = { _ in check() }
                pair.start()
            } catch {
                finish(false)
            }
        }
        let dropped = holder.pair?.serverTap.dropped ?? -1
        await tearDown(loop, holder)
        #expect(ok)
        #expect(dropped == 1)
        #expect(holder.bothConnected)
        #expect(holder.keysCrossed)
    }
}
