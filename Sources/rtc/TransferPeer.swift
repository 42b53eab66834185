#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC
import RTCSignaling

/// One peer connection negotiated over one `SignalingLink`, for `rtc send` / `rtc listen`.
///
/// The offerer sends its offer once gathering is complete and waits for the answer; the
/// answerer waits for the offer. Non-trickle, like aiortc. Everything but `start` runs on the
/// loop thread. `onEnd` fires once, with the exit status and an error line (if any).
final class TransferPeer: @unchecked Sendable {
    enum Role { case offer, answer }

    let role: Role
    let loop: PollEventLoop
    let configuration: PeerConnection.Configuration
    let link: SignalingLink
    let connectTimeout: Double

    /// The remote description is applied: channels may be created now.
    var onReady: ((PeerConnection) -> Void)?
    var onChannel: ((DataChannel) -> Void)?
    /// The peer closed the connection (or it failed after it was up).
    var onPeerGone: ((_ failed: Bool, _ reason: String?) -> Void)?
    var onEnd: ((Int32, String?) -> Void)?

    private(set) var pc: PeerConnection?
    private var remoteApplied = false
    private var ended = false
    private(set) var connected = false
    /// A channel is open: the connect timeout no longer applies (set by the command).
    var channelOpened = false
    /// What the command waits for once the connection is up, for the timeout line, e.g.
    /// "the receiver to acknowledge channel 'a.bin' (DCEP)".
    var awaitedChannel = "a data channel to open (DCEP)"

    init(role: Role, loop: PollEventLoop, configuration: PeerConnection.Configuration, link: SignalingLink,
         connectTimeout: Double) {
        self.role = role
        self.loop = loop
        self.configuration = configuration
        self.link = link
        self.connectTimeout = connectTimeout
    }

    /// Starts signaling; call from any thread.
    func start() {
        link.start(onMessage: { [self] m in loop.execute { self.handle(m) } },
                   onEnd: { [self] e in loop.execute { self.linkEnded(e) } })
        loop.execute { [self] in
            loop.schedule(in: .milliseconds(Int64(connectTimeout * 1000))) { [self] in
                // --connect-timeout covers the whole way to an open channel: ICE, DTLS, SCTP, DCEP.
                guard !channelOpened else { return }
                let phase = pc?.setupPhase ?? .signaling
                let what = phase == .connected ? awaitedChannel : phase.waitingFor
                end(ExitStatus.timeout.rawValue, "timed out after \(connectTimeout) s waiting for \(what)")
            }
            guard role == .offer, let pc = makePeerConnection() else { return }
            pc.whenGatheringComplete { [self] in
                guard !ended else { return }
                link.send(.description(pc.createOffer()))
            }
        }
    }

    private func makePeerConnection() -> PeerConnection? {
        do {
            let pc = try PeerConnection(loop: loop, configuration: configuration)
            pc.onStateChange = { [weak self] state in self?.stateChanged(state) }
            pc.onDataChannel = { [weak self] ch in self?.onChannel?(ch) }
            self.pc = pc
            return pc
        } catch {
            end(ExitStatus.failure.rawValue, "\(error)")
            return nil
        }
    }

    private func stateChanged(_ state: PeerConnection.State) {
        switch state {
        case .connected:
            connected = true
        case .failed:
            if connected {
                onPeerGone?(true, pc?.failureReason)
            } else {
                end(ExitStatus.failure.rawValue, pc?.failureReason ?? "connection failed")
            }
        case .disconnected:
            onPeerGone?(false, nil)
        default:
            break
        }
    }

    private func handle(_ message: SignalingMessage) {
        guard !ended else { return }
        switch message {
        case let .description(d):
            guard !remoteApplied else { return }
            let expected: SDPType = role == .offer ? .answer : .offer
            guard d.type == expected else {
                end(ExitStatus.dataError.rawValue, "expected an \(expected.rawValue), got an \(d.type.rawValue)")
                return
            }
            if role == .answer { guard makePeerConnection() != nil else { return } }
            guard let pc else { return }
            do {
                try pc.setRemoteDescription(d)
            } catch {
                end(ExitStatus.dataError.rawValue, "bad remote description: \(error)")
                return
            }
            remoteApplied = true
            onReady?(pc)
            if role == .answer {
                pc.whenGatheringComplete { [self] in
                    guard !ended else { return }
                    do { link.send(.description(try pc.createAnswer())) } catch {
                        end(ExitStatus.dataError.rawValue, "\(error)")
                    }
                }
            }
        case let .candidate(c):
            do { try pc?.addRemoteCandidate(c) } catch { Log.warn("ignored candidate: \(error)") }
        case .endOfCandidates:
            try? pc?.addRemoteCandidate(nil)
        case .bye:
            // aiortc and the built-in page say bye when they are done: the peer's normal end.
            if !remoteApplied {
                end(ExitStatus.unavailable.rawValue, "the peer said bye before connecting")
            } else {
                onPeerGone?(false, nil)
            }
        }
    }

    private func linkEnded(_ error: SignalingError?) {
        guard !ended else { return }
        if let error, case .malformed = error {
            end(ExitStatus.dataError.rawValue, "bad signaling message: \(error)")
        } else if !remoteApplied {
            end(ExitStatus.unavailable.rawValue, "signaling closed before the peer's description arrived")
        }
    }

    /// Ends this peer once: says bye, closes the connection and reports.
    func end(_ status: Int32, _ message: String?) {
        guard !ended else { return }
        ended = true
        link.send(.bye)
        pc?.close()
        link.close()
        onEnd?(status, message)
    }
}

/// Waits on the main thread for a session's exit status.
final class ExitLatch: @unchecked Sendable {
    private let condition = Condition()
    private var status: Int32?

    /// Records the first status (and prints its message); later calls are ignored.
    func finish(_ s: Int32, _ message: String?) {
        condition.lock()
        defer { condition.unlock() }
        guard status == nil else { return }
        status = s
        if let message { printError("rtc: " + message) }
        condition.broadcast()
    }

    var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return status != nil
    }

    func wait() -> Int32 {
        condition.lock()
        defer { condition.unlock() }
        while status == nil { condition.wait() }
        return status!
    }
}

/// SIGINT/SIGTERM call `body` on a global queue (the default action is replaced).
final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []

    init(_ body: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { body(sig) }
            source.resume()
            sources.append(source)
        }
    }
}
