import RTCCore
#if canImport(Glibc)
import Glibc
#endif
import CUsrsctp

/// One SCTP association (RFC 9260) over a datagram transport, run by usrsctp in AF_CONN mode.
///
/// usrsctp's packets go to `lower.send` and what `lower` receives goes to `usrsctp_conninput`;
/// usrsctp's timers run from the loop (`SCTPTimerDriver`). Both ends call `start()`, which
/// connects at once: SCTP resolves the INIT collision, as WebRTC expects (RFC 8841 §9.3).
///
/// - Warning: Loop thread only: create, `start`, `send` and `close` on `loop`; every callback
///   fires on it. `lower.send` must not deliver packets back synchronously (queue them instead).
package final class SCTPAssociation {
    let loop: EventLoop
    let lower: PacketTransport
    package let config: SCTPConfiguration

    public private(set) var state: SCTPAssociationState = .new
    /// Streams negotiated each way (after `connected`).
    public private(set) var outboundStreams: UInt16 = 0
    public private(set) var inboundStreams: UInt16 = 0

    package var onStateChange: ((SCTPAssociationState) -> Void)?
    /// A whole message arrived (fragments joined at MSG_EOR).
    package var onMessage: ((SCTPMessage) -> Void)?
    /// The peer reset these of its outgoing streams (our incoming ones).
    package var onIncomingStreamsReset: (([UInt16]) -> Void)?
    /// Our outgoing reset of these streams completed.
    package var onOutgoingStreamsReset: (([UInt16]) -> Void)?
    /// Bytes still in our send queue for a stream went down (message handed to usrsctp or dropped).
    package var onBufferedAmountDecreased: ((UInt16, Int) -> Void)?
    /// A message could not be sent (usrsctp error or abandoned with its stream); stream, error.
    package var onSendError: ((UInt16, SCTPError) -> Void)?

    private var sock: OpaquePointer?
    private var handle: UInt = 0
    private var mailbox: SCTPMailbox?
    private var queue = SCTPSendQueue()
    private var partial: [UInt16: [UInt8]] = [:]
    private var draining = false
    private var drainAgain = false
    private var shutdownTimer: ScheduledTask?
    private var closeRequested = false
    /// Peer addresses and statistics for tests.
    private(set) var packetsSent = 0
    private(set) var packetsReceived = 0
    /// usrsctp send-space callbacks and SENDER_DRY events seen (how writability is signalled).
    private(set) var writableSignals = 0
    private(set) var senderDrySignals = 0

    package init(loop: EventLoop, lower: PacketTransport, config: SCTPConfiguration = SCTPConfiguration()) {
        self.loop = loop
        self.lower = lower
        self.config = config
        sendBufferSize = config.sendBufferSize
        receiveBufferSize = config.receiveBufferSize
    }

    /// Dropping an association without `close()`/`abort()` releases its socket (usrsctp sends
    /// ABORT or SHUTDOWN by itself; packets produced afterwards are dropped).
    deinit {
        if let sock {
            usrsctp_close(sock)
            usrsctp_deregister_address(UnsafeMutableRawPointer(bitPattern: handle))
            SCTPLibrary.unregister(handle)
            if loop.inEventLoop { SCTPTimerDriver.detach(loop: loop, id: ObjectIdentifier(self)) }
        }
    }

    private var handlePointer: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: handle) }

    /// Bytes queued here (not yet taken by usrsctp) for `stream`.
    package func bufferedAmount(stream: UInt16) -> Int { queue.buffered(stream: stream) }
    /// Bytes queued here for all streams.
    var bufferedAmount: Int { queue.totalBuffered }

    /// Chunks inside usrsctp not yet acknowledged or not yet sent (SCTP_STATUS); 0 when idle.
    package var outstandingChunks: Int {
        guard let sock else { return 0 }
        return max(0, Int(rtc_sctp_outstanding_chunks(sock)))
    }

    // MARK: - Start

    /// Creates the socket and connects. Call once, on the loop, when the lower transport is up
    /// (DTLS connected); packets the lower layer received before must be held until then.
    /// - Throws: `SCTPError.usrsctp` when the socket cannot be set up.
    package func start() throws {
        precondition(state == .new, "SCTPAssociation.start called twice")
        // usrsctp's threads only hand the drain back to the loop; the association stays on it.
        let drainOnLoop = LoopBound<() -> Void>({ [weak self] in self?.drain() }, loop: loop)
        let wake: (@Sendable () -> Void)? = { drainOnLoop.loop.execute { drainOnLoop.value() } }
        let box = SCTPMailbox(
            ownerThread: pthread_self(),
            // A virtual-clock loop runs only on its owner's thread, which drains after each step.
            wake: loop.isVirtualClock ? nil : wake)
        box.sendDown = { [weak self] packet in
            guard let self else { return }
            self.packetsSent += 1
            self.lower.send(bytes: packet)
        }
        mailbox = box
        handle = SCTPLibrary.register(box)
        usrsctp_register_address(handlePointer)
        guard
            let s = usrsctp_socket(
                AF_CONN, Int32(SOCK_STREAM.rawValue), Int32(IPPROTO_SCTP), sctpReceiveCallback, sctpSendCallback,
                UInt32(config.sendBufferSize / 4), handlePointer)
        else {
            let e = errno
            teardown()
            throw SCTPError.usrsctp(call: "usrsctp_socket", errno: e)
        }
        sock = s
        do {
            try configureSocket(s)
            if rtc_sctp_bind(s, config.localPort, handlePointer) != 0 {
                throw SCTPError.usrsctp(call: "bind", errno: errno)
            }
            if rtc_sctp_connect(s, config.remotePort, handlePointer) != 0, errno != EINPROGRESS {
                throw SCTPError.usrsctp(call: "connect", errno: errno)
            }
        } catch {
            teardown()
            throw error
        }
        setState(.connecting)
        Log.debug("SCTP INIT sent (port \(config.localPort) -> \(config.remotePort))", "sctp")
        // Borrowed packets (straight from DTLS's read buffer): no array per received packet.
        lower.setBorrowingReceiver { [weak self] packet in self?.receive(bytes: packet) }
        SCTPTimerDriver.attach(loop: loop, id: ObjectIdentifier(self)) { [weak self] in self?.timerTick() }
        drain()
    }

    // MARK: - Following the path

    /// Bytes a path should carry per second once its buffers are sized (250 MB/s).
    static let targetRate = 250_000_000

    /// Timer ticks since the path was last checked.
    private var ticksSincePathCheck = 0
    /// The RTO.min last set on the socket (ms); the process default until the path is measured.
    private(set) var minimumRTO = SCTPLibrary.minimumRTO
    /// SO_SNDBUF / SO_RCVBUF now; they only grow (`adaptToPath`), the send buffer no further
    /// than the congestion window needs.
    private(set) var sendBufferSize: Int
    private(set) var receiveBufferSize: Int

    /// SO_RCVBUF as usrsctp holds it (-1 before `start`), to check `receiveBufferSize` against.
    var socketReceiveBufferSize: Int {
        guard let sock else { return -1 }
        return Int(rtc_sctp_get_int(sock, SOL_SOCKET, SO_RCVBUF))
    }

    private func timerTick() {
        drain()
        ticksSincePathCheck += 1
        if ticksSincePathCheck >= 5 {
            ticksSincePathCheck = 0
            adaptToPath()
        }
    }

    /// Fits RTO.min and the socket buffers to the measured smoothed RTT and congestion window,
    /// every 50 ms (about one round trip of a long path, so the send buffer keeps up with slow
    /// start).
    ///
    /// RTO.min: usrsctp's fast SACK path does not restart T3-rtx when the cumulative ack moves,
    /// so while data flows the timer fires every RTO, and each firing counts as lost every chunk
    /// older than SRTT + 4·RTTVAR (its RTTVAR is in whole ms and settles near 1 ms on a steady
    /// path). A few ms of scheduling jitter on a 50 ms path then cut cwnd to one MTU, and
    /// congestion avoidance regrows it by one MTU per round trip: `rtc bench --delay 25` fell
    /// from 140 to 78, 41, 4 MB/s in about a third of runs. `SCTPLibrary.minimumRTO(srtt:)`
    /// makes those checks rare.
    ///
    /// Buffers: the send buffer holds every unacknowledged byte and the receive buffer bounds
    /// the window we advertise, so both must hold rate × RTT (as TCP's receive auto-tuning).
    /// Both grow to `targetRate` × SRTT, up to `config.maximumBufferSize`, and never shrink
    /// (data may be sitting in them; a smaller receive buffer would renege on the advertised
    /// window). The send buffer grows no further than 2.5 congestion windows (enough to feed a
    /// window doubling in slow start between two checks):
    /// more only waits inside usrsctp, invisible to `bufferedAmount` and ahead of every later
    /// message of its stream. On a 50 ms path with 1% loss (cwnd ~15 KB, 0.3 MB/s) the 15.6 MB
    /// it used to reach was a ~50 s queue and ~20 MiB of RSS; the backlog now waits in the send
    /// queue, where other streams' messages pass it (`SCTPSendQueue`).
    private func adaptToPath() {
        guard state == .connected, let sock else { return }
        let srtt = rtc_sctp_srtt_ms(sock)
        guard srtt > 0 else { return }
        let rto = SCTPLibrary.minimumRTO(srtt: UInt32(srtt))
        if rto != minimumRTO, rtc_sctp_set_rto_min(sock, rto) == 0 { minimumRTO = rto }
        // A quarter more than rate × RTT: usrsctp charges each 1200-byte chunk ~256 bytes of
        // overhead against the window.
        let wanted = min(config.maximumBufferSize, Int(srtt) * (Self.targetRate / 1000) * 5 / 4)
        let send = min(wanted, Int(rtc_sctp_cwnd(sock)) * 5 / 2)
        if send > sendBufferSize, rtc_sctp_set_int(sock, SOL_SOCKET, SO_SNDBUF, Int32(send)) == 0 {
            sendBufferSize = send
        }
        if wanted > receiveBufferSize, rtc_sctp_set_int(sock, SOL_SOCKET, SO_RCVBUF, Int32(wanted)) == 0 {
            receiveBufferSize = wanted
        }
    }

    private func configureSocket(_ s: OpaquePointer) throws {
        func check(_ rc: Int32, _ what: String) throws {
            if rc != 0 { throw SCTPError.usrsctp(call: what, errno: errno) }
        }
        try check(usrsctp_set_non_blocking(s, 1), "set_non_blocking")
        try check(rtc_sctp_set_int(s, SOL_SOCKET, SO_SNDBUF, Int32(sendBufferSize)), "SO_SNDBUF")
        // The INIT carries the largest window we may grow to: the peer starts its slow-start
        // threshold there (usrsctp sets ssthresh to the peer's initial a_rwnd and never raises
        // it), so a window grown later is not stuck behind congestion avoidance.
        try check(rtc_sctp_set_int(s, SOL_SOCKET, SO_RCVBUF, Int32(max(receiveBufferSize, config.maximumBufferSize))),
                  "SO_RCVBUF")
        // Send each message at once instead of waiting to fill a packet (Nagle off).
        try check(rtc_sctp_set_int(s, Int32(IPPROTO_SCTP), SCTP_NODELAY, 1), "SCTP_NODELAY")
        // A message may take several sendv calls (partial sends); SCTP_EOR marks its end.
        try check(rtc_sctp_set_int(s, Int32(IPPROTO_SCTP), SCTP_EXPLICIT_EOR, 1), "SCTP_EXPLICIT_EOR")
        try check(rtc_sctp_set_int(s, Int32(IPPROTO_SCTP), SCTP_RECVRCVINFO, 1), "SCTP_RECVRCVINFO")
        try check(rtc_sctp_enable_stream_reset(s), "SCTP_ENABLE_STREAM_RESET")
        try check(rtc_sctp_set_initmsg(s, config.streams), "SCTP_INITMSG")
        try check(rtc_sctp_set_path_mtu(s, 0, config.pathMTU), "SCTP_PEER_ADDR_PARAMS")
        for event in [SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT, SCTP_SENDER_DRY_EVENT, SCTP_SEND_FAILED_EVENT,
                      SCTP_SHUTDOWN_EVENT] {
            try check(rtc_sctp_subscribe(s, UInt16(event)), "SCTP_EVENT \(event)")
        }
    }

    // MARK: - Receive

    /// Feeds one packet from the lower transport into usrsctp; the bytes need to be valid only
    /// during the call (usrsctp copies them into mbufs).
    func receive(bytes packet: UnsafeRawBufferPointer) {
        guard sock != nil, !packet.isEmpty else { return }
        packetsReceived += 1
        usrsctp_conninput(handlePointer, packet.baseAddress, packet.count, 0)
        drain()
    }

    /// Hands out what usrsctp queued in the mailbox, then flushes the send queue; repeats until
    /// quiet. Never called from inside usrsctp. Re-entrant calls (from user callbacks) only ask
    /// the running drain to go round once more.
    func drain() {
        guard let mailbox else { return }
        if draining {
            drainAgain = true
            return
        }
        draining = true
        defer { draining = false }
        repeat {
            drainAgain = false
            let (packets, events) = mailbox.take()
            for p in packets {
                packetsSent += 1
                lower.send(p)
            }
            for e in events { handle(e) }
            if !queue.isEmpty && state == .connected { flush() }
            if closeRequested && queue.isEmpty && state == .connected { beginShutdown() }
        } while drainAgain
    }

    private func handle(_ event: SCTPInboxEvent) {
        switch event {
        case .data(let stream, let ppid, let unordered, let bytes, let eor):
            var message: [UInt8]
            if var pending = partial.removeValue(forKey: stream) {
                pending.append(contentsOf: bytes)
                message = pending
            } else {
                message = bytes
            }
            if message.count > max(config.maxMessageSize, 1 << 24) {
                Log.warn("dropping over-long incoming message on stream \(stream)", "sctp")
                return
            }
            if !eor {
                partial[stream] = message
                return
            }
            onMessage?(SCTPMessage(streamId: stream, ppid: ppid, payload: message, unordered: unordered))
        case .associationChange(let st, let err, let outbound, let inbound):
            switch Int32(st) {
            case SCTP_COMM_UP, SCTP_RESTART:
                outboundStreams = outbound
                inboundStreams = inbound
                if let sock {
                    _ = rtc_sctp_set_path_mtu(sock, 0, config.pathMTU)
                    // The INIT advertised the largest window (see `configureSocket`); from here
                    // the window follows the path.
                    _ = rtc_sctp_set_int(sock, SOL_SOCKET, SO_RCVBUF, Int32(receiveBufferSize))
                }
                Log.debug("SCTP association up (\(outbound) streams out, \(inbound) in)", "sctp")
                setState(.connected)
                drainAgain = true
            case SCTP_COMM_LOST, SCTP_CANT_STR_ASSOC:
                Log.info("association lost (state \(st), error \(err))", "sctp")
                finish(.failed)
            case SCTP_SHUTDOWN_COMP:
                finish(.closed)
            default:
                break
            }
        case .streamReset(let flags, let streams):
            if flags & UInt16(SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED) != 0 {
                Log.warn("stream reset \(streams) failed (flags \(flags))", "sctp")
                return
            }
            if flags & UInt16(SCTP_STREAM_RESET_INCOMING_SSN) != 0 {
                for s in streams { partial[s] = nil }
                onIncomingStreamsReset?(streams)
            }
            if flags & UInt16(SCTP_STREAM_RESET_OUTGOING_SSN) != 0 {
                onOutgoingStreamsReset?(streams)
            }
        case .sendFailed(let stream, let error):
            Log.debug("send failed on stream \(stream): \(error)", "sctp")
        case .senderDry:
            senderDrySignals += 1
        case .writable:
            writableSignals += 1
        case .shutdown:
            break
        case .endOfFile:
            if state == .connecting { finish(.failed) } else { finish(.closed) }
        }
    }

    // MARK: - Send

    /// Queues one message and hands as much as usrsctp takes to it now.
    /// - Throws: `SCTPError.messageTooLarge` above `maxMessageSize`, `.emptyMessage`,
    ///   `.notConnected` once closed or failed, `.invalidStream` beyond the negotiated streams.
    package func send(_ payload: [UInt8], stream: UInt16, ppid: UInt32, options: SCTPSendOptions = SCTPSendOptions()) throws {
        guard payload.count <= config.maxMessageSize else {
            throw SCTPError.messageTooLarge(size: payload.count, limit: config.maxMessageSize)
        }
        guard !payload.isEmpty else { throw SCTPError.emptyMessage }
        guard state == .new || state == .connecting || state == .connected, !closeRequested else {
            throw SCTPError.notConnected
        }
        if state == .connected, stream >= outboundStreams { throw SCTPError.invalidStream(stream) }
        queue.append(.message(stream: stream, ppid: ppid, payload: payload, options: options))
        if state == .connected { drain() }
    }

    /// Resets our outgoing `stream` once its queued messages are handed to usrsctp (RFC 6525).
    package func resetStream(_ stream: UInt16) {
        guard state == .new || state == .connecting || state == .connected else { return }
        queue.append(.reset(stream: stream))
        if state == .connected { drain() }
    }

    /// Largest single sendv: half the send buffer, so a piece always fits once usrsctp drains.
    private var maxPiece: Int { max(1200, config.sendBufferSize / 2) }

    /// Hands queued messages to usrsctp until it has no room, streams in turn (`SCTPSendQueue`).
    /// Partial sends keep their place at the head; 0 and EWOULDBLOCK mean "no room now" and end
    /// the attempt.
    private func flush() {
        guard let sock else { return }
        var deferred = 0  // resets put off in this pass; bounds the loop
        while let item = queue.first {
            switch item {
            case .reset(let stream):
                var id = stream
                let err = rtc_sctp_reset_outgoing(sock, &id, 1)
                if err == EALREADY || err == EBUSY || err == EAGAIN {
                    // One reset at a time, retried later; other streams need not wait for it.
                    deferred += 1
                    if deferred >= queue.streamCount || !queue.rotate() { return }
                    continue
                }
                if err != 0 { Log.warn("stream reset \(stream) failed: errno \(err)", "sctp") }
                queue.removeFirst()
            case .message(let stream, let ppid, let payload, let options):
                let offset = queue.headOffset
                let (policy, value): (UInt16, UInt32)
                switch options.reliability {
                case .reliable: (policy, value) = (UInt16(SCTP_PR_SCTP_NONE), 0)
                case .maxRetransmits(let n): (policy, value) = (UInt16(SCTP_PR_SCTP_RTX), n)
                case .maxLifetime(let ms): (policy, value) = (UInt16(SCTP_PR_SCTP_TTL), ms)
                }
                // usrsctp refuses (EMSGSIZE) any single call larger than its send buffer, so a big
                // message goes in pieces; only the last carries SCTP_EOR.
                let piece = min(payload.count - offset, maxPiece)
                let eor: Int32 = offset + piece == payload.count ? 1 : 0
                var err: Int32 = 0
                let n = payload.withUnsafeBytes { buf in
                    rtc_sctp_sendv(
                        sock, buf.baseAddress! + offset, piece, stream, ppid, options.ordered ? 0 : 1,
                        policy, value, eor, &err)
                }
                if n > 0 {
                    queue.headOffset += n
                    if queue.headOffset < payload.count {
                        if n < piece { return }  // partial: usrsctp is full for now
                        continue  // next piece
                    }
                    queue.removeFirst()
                    onBufferedAmountDecreased?(stream, queue.buffered(stream: stream))
                    continue
                }
                if n == 0 || err == EWOULDBLOCK || err == EAGAIN || err == ENOBUFS { return }
                // Anything else drops this message (never the others) and reports it.
                queue.removeFirst()
                onBufferedAmountDecreased?(stream, queue.buffered(stream: stream))
                onSendError?(stream, .usrsctp(call: "sendv", errno: err))
                if err == EPIPE || err == ENOTCONN || err == ECONNRESET { return }
            }
        }
    }

    // MARK: - Close

    /// Graceful shutdown: queued messages go out first, then SHUTDOWN; `closed` follows when the
    /// peer confirms, or `abort()` after `shutdownTimeout`.
    package func close() {
        switch state {
        case .new:
            setState(.closed)
        case .connecting:
            finish(.closed)
        case .connected:
            closeRequested = true
            drain()
        case .closed, .failed:
            break
        }
    }

    /// Ends the association at once (ABORT to the peer) and drops everything queued.
    package func abort() {
        guard sock != nil else {
            if state == .new { setState(.closed) }
            return
        }
        finish(.closed, abortive: true)
    }

    private func beginShutdown() {
        guard let sock, shutdownTimer == nil else { return }
        if usrsctp_shutdown(sock, Int32(SHUT_WR)) != 0 {
            finish(.closed, abortive: true)
            return
        }
        shutdownTimer = loop.schedule(in: config.shutdownTimeout) { [weak self] in
            self?.finish(.closed, abortive: true)
        }
    }

    /// Moves to a terminal state and releases the socket.
    private func finish(_ final: SCTPAssociationState, abortive: Bool = false) {
        guard state != .closed && state != .failed else { return }
        if abortive, let sock {
            var l = linger(l_onoff: 1, l_linger: 0)
            _ = usrsctp_setsockopt(sock, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        }
        for s in queue.removeAll() { onBufferedAmountDecreased?(s, 0) }
        teardown()
        setState(final)
    }

    private func teardown() {
        shutdownTimer?.cancel()
        shutdownTimer = nil
        if let sock {
            usrsctp_close(sock)
            self.sock = nil
        }
        // Send what the close produced (ABORT), then cut the wires.
        if let box = mailbox {
            for p in box.take().packets { lower.send(p) }
            box.sendDown = nil
        }
        usrsctp_deregister_address(handlePointer)
        SCTPLibrary.unregister(handle)
        mailbox = nil
        lower.onReceive = nil
        lower.setBorrowingReceiver(nil)
        SCTPTimerDriver.detach(loop: loop, id: ObjectIdentifier(self))
        partial.removeAll()
    }

    private func setState(_ new: SCTPAssociationState) {
        guard SCTPAssociationState.canMove(from: state, to: new) else { return }
        state = new
        onStateChange?(new)
    }
}
