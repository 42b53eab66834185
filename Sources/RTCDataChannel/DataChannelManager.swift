import RTCCore
import RTCSCTP

/// Runs WebRTC data channels on one SCTP association: stream ids, DCEP (RFC 8832), message
/// dispatch, closing by stream reset (RFC 8831 §6.7).
///
/// Create it right after the association (before `start()`), on the loop; it takes over the
/// association's callbacks. Channels may be created at any time: before the association is
/// connected they wait and open (DCEP OPEN sent, or negotiated → open) once it is.
///
/// - Warning: Loop thread only.
package final class DataChannelManager {
    let association: SCTPAssociation
    /// Our DTLS role decides stream parity: the DTLS client uses even ids, the server odd (§6).
    let isDTLSClient: Bool
    /// A peer opened a channel with DCEP; the channel is already `open` (its `onOpen` follows).
    package var onDataChannel: ((DataChannel) -> Void)?
    /// The association's state changes, passed on (the manager owns the association's callbacks).
    var onAssociationStateChange: ((SCTPAssociationState) -> Void)?
    private(set) var channels: [UInt16: DataChannel] = [:]

    package init(association: SCTPAssociation, isDTLSClient: Bool) {
        self.association = association
        self.isDTLSClient = isDTLSClient
        association.onMessage = { [weak self] in self?.received($0) }
        association.onStateChange = { [weak self] in self?.associationStateChanged($0) }
        association.onIncomingStreamsReset = { [weak self] in self?.incomingReset($0) }
        association.onOutgoingStreamsReset = { [weak self] in self?.outgoingReset($0) }
        association.onBufferedAmountDecreased = { [weak self] stream, amount in
            self?.channels[stream]?.bufferedAmountDecreased(to: amount)
        }
        association.onSendError = { [weak self] stream, error in
            self?.channels[stream]?.onError?(DataChannelError.transport(error))
        }
    }

    /// Creates a channel (W3C `createDataChannel`).
    /// - Throws: `DataChannelError.conflictingReliability`, `.labelTooLong`, `.noStreamAvailable`,
    ///   `.streamInUse` (negotiated id taken), `.invalidState` if the association is closed.
    package func createDataChannel(label: String, options: DataChannelInit = DataChannelInit()) throws -> DataChannel {
        if options.maxRetransmits != nil && options.maxPacketLifeTime != nil {
            throw DataChannelError.conflictingReliability
        }
        if label.utf8.count > 65535 || options.protocol.utf8.count > 65535 { throw DataChannelError.labelTooLong }
        guard association.state != .closed && association.state != .failed else {
            throw DataChannelError.invalidState(.closed)
        }
        let id: UInt16
        if options.negotiated || options.id != nil {
            guard let fixed = options.id, fixed < streamLimit else { throw DataChannelError.noStreamAvailable }
            guard channels[fixed] == nil else { throw DataChannelError.streamInUse(fixed) }
            id = fixed
        } else {
            id = try allocateStreamId()
        }
        let channel = DataChannel(label: label, options: options, id: id, manager: self)
        channels[id] = channel
        if association.state == .connected { announce(channel) }
        return channel
    }

    private var streamLimit: UInt16 {
        association.state == .connected ? association.outboundStreams : association.config.streams
    }

    /// Lowest free id of our parity (RFC 8832 §6).
    private func allocateStreamId() throws -> UInt16 {
        var candidate: UInt16 = isDTLSClient ? 0 : 1
        while candidate < streamLimit && candidate != 65535 {
            if channels[candidate] == nil { return candidate }
            candidate += 2
        }
        throw DataChannelError.noStreamAvailable
    }

    /// Sends DATA_CHANNEL_OPEN for an in-band channel, or opens a negotiated one.
    private func announce(_ channel: DataChannel) {
        guard channel.readyState == .connecting else { return }
        if channel.negotiated {
            channel.setState(.open)
            return
        }
        let (type, parameter) = channel.options.channelType
        let open = DCEPOpen(channelType: type, priority: channel.priority, reliabilityParameter: parameter,
                            label: channel.label, protocol: channel.protocol)
        channel.awaitingAck = true
        do {
            try association.send(DCEPMessage.open(open).serialize(), stream: channel.id, ppid: DataChannelPPID.dcep)
        } catch {
            channel.onError?(error)
            finishClose(channel)
        }
    }

    private func associationStateChanged(_ state: SCTPAssociationState) {
        defer { onAssociationStateChange?(state) }
        switch state {
        case .connected:
            for id in channels.keys.sorted() { if let c = channels[id] { announce(c) } }
        case .closed, .failed:
            let all = channels.values.sorted { $0.id < $1.id }
            channels.removeAll()
            for c in all { c.setState(.closed) }
        default:
            break
        }
    }

    private func received(_ message: SCTPMessage) {
        if message.ppid == DataChannelPPID.dcep {
            receivedDCEP(message)
            return
        }
        guard let channel = channels[message.streamId] else {
            Log.debug("message on stream \(message.streamId) without a channel", "datachannel")
            return
        }
        if channel.awaitingAck {
            // RFC 8832 §6: data from the peer means it has seen our OPEN.
            channel.awaitingAck = false
            channel.setState(.open)
        }
        channel.deliver(ppid: message.ppid, payload: message.payload)
    }

    private func receivedDCEP(_ message: SCTPMessage) {
        let dcep: DCEPMessage
        do {
            dcep = try DCEPMessage.parse(message.payload)
        } catch {
            Log.warn("stream \(message.streamId): \(error)", "datachannel")
            return
        }
        switch dcep {
        case .ack:
            guard let channel = channels[message.streamId], channel.awaitingAck else { return }
            channel.awaitingAck = false
            channel.setState(.open)
        case .open(let open):
            let id = message.streamId
            if channels[id] != nil {
                Log.warn("DATA_CHANNEL_OPEN for stream \(id) already in use", "datachannel")
                return
            }
            let channel = DataChannel(label: open.label, options: DataChannelInit(open: open, id: id), id: id,
                                      manager: self)
            channels[id] = channel
            do {
                try association.send(DCEPMessage.ack.serialize(), stream: id, ppid: DataChannelPPID.dcep)
            } catch {
                Log.warn("cannot ACK channel \(id): \(error)", "datachannel")
            }
            // Open before announcing, so the application sees a usable channel; onOpen follows
            // once it had the chance to set handlers.
            let announced = onDataChannel
            channel.markOpenSilently()
            announced?(channel)
            channel.onOpen?()
        }
    }

    // MARK: - Closing (RFC 8831 §6.7)

    func closeChannel(_ channel: DataChannel) {
        if association.state == .connected || association.state == .connecting {
            association.resetStream(channel.id)
        } else {
            finishClose(channel)
        }
    }

    private func incomingReset(_ streams: [UInt16]) {
        for id in streams {
            guard let channel = channels[id] else { continue }
            channel.incomingReset = true
            if channel.readyState == .open || channel.readyState == .connecting {
                // The peer closed: close our direction too.
                channel.setState(.closing)
                association.resetStream(id)
            }
            finishClose(channel)
        }
    }

    private func outgoingReset(_ streams: [UInt16]) {
        for id in streams {
            guard let channel = channels[id] else { continue }
            channel.outgoingReset = true
            if channel.incomingReset { release(channel) }
        }
    }

    /// The channel is closed for the application; its id is free once both directions are reset.
    private func finishClose(_ channel: DataChannel) {
        channel.setState(.closed)
        if channel.outgoingReset || association.state != .connected { release(channel) }
    }

    private func release(_ channel: DataChannel) {
        if channels[channel.id] === channel { channels[channel.id] = nil }
    }
}
