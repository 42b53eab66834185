import RTCCore

/// Resolves `.local` names with multicast DNS one-shot queries (RFC 6762 §5.1), for the mDNS
/// host candidates browsers put in place of their IPs (draft-ietf-mmusic-mdns-ice-candidates §3.2).
///
/// Each lookup asks A and AAAA in two messages with one QM question each (Chromium's responder
/// answers neither QU questions nor messages with two questions), resends once after
/// `queryTimeout` and gives up after `attempts` tries, so a name costs at most
/// `attempts × queryTimeout` (1 s by default). The first address heard wins: an mDNS candidate
/// name stands for one IP (draft §3.1.1). Results, failures included, are cached for the
/// resolver's life (one session). Time comes from the event loop, so tests drive it with
/// `ManualEventLoop`; the transport is injected.
public final class MDNSResolver {
    public struct Configuration: Sendable {
        /// Wait for an answer before resending (RFC 6762 §5.1 leaves the interval to the querier).
        public var queryTimeout: Duration = .milliseconds(500)
        /// Transmissions per name, the first included.
        public var attempts = 2
        /// Distinct names one resolver looks up; further names resolve to nil at once, so a
        /// description full of `.local` candidates cannot make us flood the link.
        public var maxNames = 16
        /// The real socket's settings (port, interfaces, test destinations).
        public var socket = MDNSSocket.Configuration()
        /// Replaces the real socket (tests).
        public var makeTransport: (@Sendable (EventLoop) throws -> MDNSTransport)?

        public init() {}
    }

    private struct Lookup {
        var waiters: [([UInt8]?) -> Void]
        var attemptsLeft: Int
        var timer: ScheduledTask?
        let started: LoopInstant
    }

    private let loop: EventLoop
    private let configuration: Configuration
    private var transport: MDNSTransport?
    private var transportFailed = false
    private var cache: [DNSName: [UInt8]?] = [:]
    private var lookups: [DNSName: Lookup] = [:]
    private var closed = false

    /// The socket opens on the first lookup, so sessions that never meet a `.local` name open none.
    public init(loop: EventLoop, configuration: Configuration = Configuration()) {
        self.loop = loop
        self.configuration = configuration
    }

    /// Resolves `name` and calls `completion` on the loop with its IP (4 or 16 bytes), or nil
    /// when nobody answered in time, the name is not a `.local` name, or no socket could be opened.
    /// Cached answers complete at once (synchronously).
    public func resolve(_ name: String, _ completion: @escaping ([UInt8]?) -> Void) {
        guard !closed, let dnsName = DNSName(name), dnsName.isLocal else { return completion(nil) }
        if let cached = cache[dnsName] { return completion(cached) }
        if lookups[dnsName] != nil {
            lookups[dnsName]?.waiters.append(completion)
            return
        }
        guard cache.count + lookups.count < configuration.maxNames else {
            Log.debug("\(name): not asked, \(configuration.maxNames) names already looked up this session", "mdns")
            return completion(nil)
        }
        guard let transport = openTransport() else { return completion(nil) }
        lookups[dnsName] = Lookup(waiters: [completion], attemptsLeft: configuration.attempts, timer: nil, started: loop.now)
        send(dnsName, on: transport)
    }

    /// Cancels lookups in flight (their completions are not called) and closes the socket.
    public func close() {
        guard !closed else { return }
        closed = true
        for l in lookups.values { l.timer?.cancel() }
        lookups.removeAll()
        transport?.close()
        transport = nil
    }

    /// The queries for one name: A and AAAA, one question each, QM, ID 0 (RFC 6762 §18.1).
    static func queries(for name: DNSName) -> [[UInt8]] {
        [DNSMessage.RecordType.a, DNSMessage.RecordType.aaaa].compactMap { type in
            try? DNSMessage(questions: [DNSMessage.Question(name: name, type: type)]).serialize()
        }
    }

    private func openTransport() -> MDNSTransport? {
        if let transport { return transport }
        guard !transportFailed else { return nil }
        do {
            let t = try configuration.makeTransport?(loop) ?? MDNSSocket(loop: loop, configuration: configuration.socket)
            t.onMessage = { [weak self] bytes, from in self?.received(bytes, from: from) }
            transport = t
            return t
        } catch {
            transportFailed = true
            Log.debug("cannot open the mDNS socket: \(error)", "mdns")
            return nil
        }
    }

    private func send(_ name: DNSName, on transport: MDNSTransport) {
        guard var lookup = lookups[name] else { return }
        lookup.attemptsLeft -= 1
        for q in Self.queries(for: name) { transport.sendQuery(q) }
        lookup.timer = loop.schedule(in: configuration.queryTimeout) { [weak self] in self?.timedOut(name) }
        lookups[name] = lookup
    }

    private func timedOut(_ name: DNSName) {
        guard let lookup = lookups[name] else { return }
        if lookup.attemptsLeft > 0, let transport {
            send(name, on: transport)
            return
        }
        Log.debug("\(name): no mDNS answer after \(configuration.attempts) queries "
                  + "(\(String(format1: loop.now.since(lookup.started).milliseconds)) ms)", "mdns")
        finish(name, nil)
    }

    private func received(_ bytes: [UInt8], from: TransportAddress) {
        guard !lookups.isEmpty else { return }
        let message: DNSMessage
        do {
            message = try DNSMessage.parse(bytes)
        } catch {
            Log.trace("ignoring a malformed mDNS message from \(from): \(error)", "mdns")
            return
        }
        // Queries (ours looped back, or other queriers') carry no answers for us.
        guard message.isResponse else { return }
        for record in message.allRecords where record.ttl > 0 {  // TTL 0 is a goodbye (RFC 6762 §10.1)
            guard let ip = record.address, let lookup = lookups[record.name] else { continue }
            let ms = loop.now.since(lookup.started).milliseconds
            Log.debug("\(record.name) is \(TransportAddress(ip: ip, port: 0)?.host ?? "?") "
                      + "(answer from \(from) after \(String(format1: ms)) ms)", "mdns")
            finish(record.name, ip)
        }
    }

    private func finish(_ name: DNSName, _ ip: [UInt8]?) {
        guard let lookup = lookups.removeValue(forKey: name) else { return }
        lookup.timer?.cancel()
        cache[name] = .some(ip)
        for w in lookup.waiters { w(ip) }
    }
}

private extension String {
    /// A number with one decimal, for log lines (no Foundation).
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
