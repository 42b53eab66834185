import RTCCore
import RTCSCTP

/// A WebRTC data channel (RFC 8831) on one SCTP stream pair, shaped like `RTCDataChannel`.
///
/// Created by `DataChannelManager.createDataChannel` or announced by `onDataChannel` when the peer
/// opens one. In-band channels open with DCEP (RFC 8832): the creator sends DATA_CHANNEL_OPEN and
/// its channel becomes `open` on DATA_CHANNEL_ACK (or on the first message from the peer); the
/// receiver's channel is `open` at once. Negotiated channels open when the association is up.
///
/// - Warning: Loop thread only, like the whole stack: call `send`/`close` on the connection's
///   event loop; all callbacks fire there.
public final class DataChannel {
    public let label: String
    public let `protocol`: String
    /// The SCTP stream id (RFC 8831 §6.5): even when we are the DTLS client, odd otherwise.
    public let id: UInt16
    public let ordered: Bool
    public let maxRetransmits: UInt16?
    public let maxPacketLifeTime: UInt16?
    public let negotiated: Bool
    public let priority: UInt16
    public private(set) var readyState: DataChannelState = .connecting

    public var onOpen: (() -> Void)?
    public var onMessage: ((DataChannelMessage) -> Void)?
    public var onClose: (() -> Void)?
    public var onError: ((Error) -> Void)?
    /// Fires when `bufferedAmount` falls from above `bufferedAmountLowThreshold` to at or below it.
    public var onBufferedAmountLow: (() -> Void)?
    public var bufferedAmountLowThreshold: Int = 0

    weak var manager: DataChannelManager?
    let options: DataChannelInit
    /// We sent DATA_CHANNEL_OPEN and wait for the ACK; until then messages go ordered
    /// (RFC 8832 §6) so none overtakes the OPEN.
    var awaitingAck = false
    var incomingReset = false
    var outgoingReset = false
    private var trackedBuffered = 0
    private var inSend = false

    init(label: String, options: DataChannelInit, id: UInt16, manager: DataChannelManager) {
        self.label = label
        self.protocol = options.protocol
        self.id = id
        ordered = options.ordered
        maxRetransmits = options.maxRetransmits
        maxPacketLifeTime = options.maxPacketLifeTime
        negotiated = options.negotiated
        priority = options.priority
        self.options = options
        self.manager = manager
    }

    /// Bytes accepted by `send` that have not yet been handed to usrsctp. Data already inside
    /// usrsctp's send buffer (up to `SCTPConfiguration.sendBufferSize`) is not counted.
    public var bufferedAmount: Int { manager?.association.bufferedAmount(stream: id) ?? 0 }

    /// Sends a string (PPID 51; the empty string as PPID 56 with one zero byte, RFC 8831 §6.6).
    /// - Throws: `DataChannelError.invalidState` unless open, `.messageTooLarge`, `.transport`.
    public func send(text: String) throws {
        let bytes = Array(text.utf8)
        try send(bytes, ppid: bytes.isEmpty ? DataChannelPPID.stringEmpty : DataChannelPPID.string)
    }

    /// Sends bytes (PPID 53; empty as PPID 57 with one zero byte).
    /// - Throws: `DataChannelError.invalidState` unless open, `.messageTooLarge`, `.transport`.
    public func send(binary: [UInt8]) throws {
        try send(binary, ppid: binary.isEmpty ? DataChannelPPID.binaryEmpty : DataChannelPPID.binary)
    }

    private func send(_ payload: [UInt8], ppid: UInt32) throws {
        guard readyState == .open, let manager else { throw DataChannelError.invalidState(readyState) }
        var sendOptions = options.sendOptions
        if awaitingAck { sendOptions.ordered = true }
        inSend = true
        defer {
            inSend = false
            trackedBuffered = bufferedAmount
        }
        do {
            try manager.association.send(payload.isEmpty ? [0] : payload, stream: id, ppid: ppid, options: sendOptions)
        } catch SCTPError.messageTooLarge(let size, let limit) {
            throw DataChannelError.messageTooLarge(size: size, limit: limit)
        } catch let e as SCTPError {
            throw DataChannelError.transport(e)
        }
    }

    /// Closes the channel (RFC 8831 §6.7): messages already sent still go out, then the outgoing
    /// stream is reset; the peer resets its side and both channels end `closed`.
    public func close() {
        guard readyState == .connecting || readyState == .open else { return }
        setState(.closing)
        manager?.closeChannel(self)
    }

    // MARK: - Driven by the manager

    func setState(_ new: DataChannelState) {
        guard DataChannelState.canMove(from: readyState, to: new) else { return }
        readyState = new
        switch new {
        case .open:
            Log.debug("channel \(id) '\(label)' open", "datachannel")
            onOpen?()
        case .closed: onClose?()
        default: break
        }
    }

    func deliver(ppid: UInt32, payload: [UInt8]) {
        guard readyState == .open || readyState == .closing else { return }
        switch ppid {
        case DataChannelPPID.string, DataChannelPPID.stringPartial:
            onMessage?(.text(String(decoding: payload, as: UTF8.self)))
        case DataChannelPPID.binary, DataChannelPPID.binaryPartial:
            onMessage?(.binary(payload))
        case DataChannelPPID.stringEmpty:
            onMessage?(.text(""))
        case DataChannelPPID.binaryEmpty:
            onMessage?(.binary([]))
        default:
            Log.debug("channel \(id): ignoring PPID \(ppid)", "datachannel")
        }
    }

    func bufferedAmountDecreased(to amount: Int) {
        guard !inSend else { return }
        let before = trackedBuffered
        trackedBuffered = amount
        if before > bufferedAmountLowThreshold && amount <= bufferedAmountLowThreshold {
            onBufferedAmountLow?()
        }
    }
}

extension DataChannel {
    /// Moves to `open` without firing `onOpen` (the manager fires it after `onDataChannel`).
    func markOpenSilently() {
        let handler = onOpen
        onOpen = nil
        setState(.open)
        onOpen = handler
    }
}
