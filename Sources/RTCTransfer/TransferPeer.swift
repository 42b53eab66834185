#if canImport(Glibc)
import Glibc
#endif
import RTC
import RTCSignaling

/// One peer connection negotiated over one signaling conversation, for `rtc send` / `rtc listen`.
///
/// The offerer sends its offer once gathering is complete and waits for the answer; the
/// answerer waits for the offer. Non-trickle, like aiortc. Everything but `start` runs on the
/// loop thread. `onEnd` fires once, with how it ended.
// @unchecked Sendable is safe: the mutable state is used only on `loop`; `start` (any thread) only
// queues work there, and the callbacks are set before `start`, whose `execute` publishes them.
public final class TransferPeer: @unchecked Sendable {
    public enum Role: Sendable { case offer, answer }

    public let role: Role
    let loop: EventLoop
    let configuration: PeerConnection.Configuration
    public let link: TransferSignaling
    /// Seconds from `start` to the first open channel: ICE, DTLS, SCTP and DCEP.
    public let connectTimeout: Double

    /// The remote description is applied: channels may be created now.
    public var onReady: ((PeerConnection) -> Void)?
    /// A channel the peer opened.
    public var onChannel: ((DataChannel) -> Void)?
    /// The peer closed the connection (or it failed after it was up).
    public var onPeerGone: ((_ failed: Bool, _ reason: String?) -> Void)?
    public var onEnd: ((TransferPeerEnd) -> Void)?

    public private(set) var pc: PeerConnection?
    private var remoteApplied = false
    private var ended = false
    public private(set) var connected = false
    /// A channel is open: the connect timeout no longer applies (set by the command).
    public var channelOpened = false
    /// What the command waits for once the connection is up, for the timeout line, e.g.
    /// "the receiver to acknowledge channel 'a.bin' (DCEP)".
    public var awaitedChannel = "a data channel to open (DCEP)"

    public init(role: Role, loop: EventLoop, configuration: PeerConnection.Configuration, link: TransferSignaling,
                connectTimeout: Double) {
        self.role = role
        self.loop = loop
        self.configuration = configuration
        self.link = link
        self.connectTimeout = connectTimeout
    }

    /// Starts signaling; call from any thread.
    public func start() {
        link.start(onMessage: { [self] m in loop.execute { self.handle(m) } },
                   onEnd: { [self] e in loop.execute { self.linkEnded(e) } })
        loop.execute { [self] in
            loop.schedule(in: .milliseconds(Int64(connectTimeout * 1000))) { [self] in
                // --connect-timeout covers the whole way to an open channel: ICE, DTLS, SCTP, DCEP.
                guard !channelOpened else { return }
                let phase = pc?.setupPhase ?? .signaling
                let what = phase == .connected ? awaitedChannel : phase.waitingFor
                end(.timedOut("timed out after \(connectTimeout) s waiting for \(what)"))
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
            end(.failed("\(error)"))
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
                end(.failed(pc?.failureReason ?? "connection failed"))
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
                end(.badInput("expected an \(expected.rawValue), got an \(d.type.rawValue)"))
                return
            }
            if role == .answer { guard makePeerConnection() != nil else { return } }
            guard let pc else { return }
            do {
                try pc.setRemoteDescription(d)
            } catch {
                end(.badInput("bad remote description: \(error)"))
                return
            }
            remoteApplied = true
            onReady?(pc)
            if role == .answer {
                pc.whenGatheringComplete { [self] in
                    guard !ended else { return }
                    do { link.send(.description(try pc.createAnswer())) } catch {
                        end(.badInput("\(error)"))
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
                end(.unreachable("the peer said bye before connecting"))
            } else {
                onPeerGone?(false, nil)
            }
        }
    }

    private func linkEnded(_ error: SignalingError?) {
        guard !ended else { return }
        if let error, case .malformed = error {
            end(.badInput("bad signaling message: \(error)"))
        } else if !remoteApplied {
            end(.unreachable("signaling closed before the peer's description arrived"))
        }
    }

    /// Ends this peer once: says bye, closes the connection and reports `how`.
    public func end(_ how: TransferPeerEnd) {
        guard !ended else { return }
        ended = true
        link.send(.bye)
        pc?.close()
        link.close()
        onEnd?(how)
    }
}


/// How a `TransferPeer` ended.
public enum TransferPeerEnd: Equatable, Sendable {
    /// Its owner ended it (`end`), with the owner's status and message.
    case ended(Int32, String?)
    /// The connection could not be made or failed before it was up.
    case failed(String)
    /// The peer sent malformed signaling or a description that does not apply.
    case badInput(String)
    /// Signaling ended (or the peer said bye) before the peer's description arrived.
    case unreachable(String)
    /// The connect timeout passed before a channel opened.
    case timedOut(String)
}

/// The signaling a `TransferPeer` negotiates over: one conversation with one peer, whatever
/// carries it. `start` delivers each message and then one end (nil when the peer just went
/// away) on any thread; `send` and `close` may be called from any thread.
public protocol TransferSignaling: AnyObject, Sendable {
    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void)
    func send(_ message: SignalingMessage)
    func close()
}
