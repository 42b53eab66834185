import RTCCore
#if canImport(Glibc)
import Glibc
#endif
import CUsrsctp

/// What usrsctp hands an association through its callbacks, copied out of usrsctp's buffers.
enum SCTPInboxEvent {
    /// A piece of a user message; `endOfRecord` marks its last piece (MSG_EOR).
    case data(stream: UInt16, ppid: UInt32, unordered: Bool, bytes: [UInt8], endOfRecord: Bool)
    case associationChange(state: UInt16, error: UInt16, outboundStreams: UInt16, inboundStreams: UInt16)
    /// RFC 6525 stream reset: `flags` holds SCTP_STREAM_RESET_{INCOMING,OUTGOING}_SSN, DENIED, FAILED.
    case streamReset(flags: UInt16, streams: [UInt16])
    case senderDry
    case sendFailed(stream: UInt16, error: UInt32)
    case shutdown
    /// The socket reached end of file (usrsctp calls the receive callback with no data).
    case endOfFile
    /// usrsctp freed send space; try to flush the send queue.
    case writable
}

/// The thread-safe meeting point between usrsctp's callbacks and the association's event loop.
///
/// usrsctp timers are process-wide, so a callback for this association can run on another loop's
/// thread (inside that loop's `usrsctp_handle_timers`). Packets and events are therefore queued
/// here under a lock, unless the callback runs on the owning thread, where packets go straight
/// down. The owner drains the queues after each call into usrsctp and on each timer tick.
// @unchecked Sendable is safe: `outbox`/`inbox` are guarded by `lock`, `sendDown` is touched only on
// the owner thread (checked by `onOwnerThread`), and the rest is immutable.
final class SCTPMailbox: @unchecked Sendable {
    private let lock = Lock()
    private var outbox: [[UInt8]] = []
    private var inbox: [SCTPInboxEvent] = []
    private let ownerThread: pthread_t
    /// Sends a packet down; touched only on the owning thread. The bytes are valid only during
    /// the call (usrsctp's buffer), which is what lets the owner thread skip the copy.
    var sendDown: ((UnsafeRawBufferPointer) -> Void)?
    /// Thread-safe wake-up of the owner (loop.execute on a real loop); nil when only the owner's
    /// own ticks may drain (a manual test loop, whose `execute` is not thread-safe).
    let wake: (@Sendable () -> Void)?

    init(ownerThread: pthread_t, wake: (@Sendable () -> Void)?) {
        self.ownerThread = ownerThread
        self.wake = wake
    }

    var onOwnerThread: Bool { pthread_equal(ownerThread, pthread_self()) != 0 }

    /// Called from `conn_output` with usrsctp's buffer; copied only when it must wait for the owner.
    func output(_ packet: UnsafeRawBufferPointer) {
        if onOwnerThread, let sendDown {
            sendDown(packet)
            return
        }
        let copy = [UInt8](packet)
        lock.lock()
        outbox.append(copy)
        lock.unlock()
        wake?()
    }

    func post(_ event: SCTPInboxEvent) {
        lock.lock()
        inbox.append(event)
        lock.unlock()
        if !onOwnerThread { wake?() }
    }

    /// Takes everything queued so far.
    func take() -> (packets: [[UInt8]], events: [SCTPInboxEvent]) {
        lock.lock()
        defer { lock.unlock() }
        if outbox.isEmpty && inbox.isEmpty { return ([], []) }
        let r = (outbox, inbox)
        outbox.removeAll()
        inbox.removeAll()
        return r
    }
}

/// usrsctp's receive callback: `data` is malloc'ed by usrsctp and ours to free.
func sctpReceiveCallback(
    _ sock: OpaquePointer?, _ addr: sctp_sockstore, _ data: UnsafeMutableRawPointer?, _ length: Int,
    _ info: sctp_rcvinfo, _ flags: Int32, _ ulpInfo: UnsafeMutableRawPointer?
) -> Int32 {
    defer { if let data { free(data) } }
    guard let box = SCTPLibrary.mailbox(UInt(bitPattern: ulpInfo)) else { return 1 }
    guard let data else {
        box.post(.endOfFile)
        return 1
    }
    if flags & Int32(MSG_NOTIFICATION) != 0 {
        if let event = parseNotification(data, length) { box.post(event) }
        return 1
    }
    let bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: length))
    box.post(
        .data(
            stream: info.rcv_sid, ppid: UInt32(bigEndian: info.rcv_ppid),
            unordered: info.rcv_flags & UInt16(SCTP_UNORDERED) != 0, bytes: bytes,
            endOfRecord: flags & Int32(MSG_EOR) != 0))
    return 1
}

/// usrsctp's send-space callback: space freed (after SACKs), so queued messages may go now.
func sctpSendCallback(_ sock: OpaquePointer?, _ free: UInt32, _ ulpInfo: UnsafeMutableRawPointer?) -> Int32 {
    SCTPLibrary.mailbox(UInt(bitPattern: ulpInfo))?.post(.writable)
    return 0
}

private func parseNotification(_ n: UnsafeMutableRawPointer, _ length: Int) -> SCTPInboxEvent? {
    guard length >= 8 else { return nil }
    switch Int32(rtc_sctp_notification_type(n)) {
    case Int32(SCTP_ASSOC_CHANGE):
        return .associationChange(
            state: rtc_sctp_assoc_change_state(n), error: rtc_sctp_assoc_change_error(n),
            outboundStreams: rtc_sctp_assoc_change_outbound(n), inboundStreams: rtc_sctp_assoc_change_inbound(n))
    case Int32(SCTP_STREAM_RESET_EVENT):
        let count = rtc_sctp_stream_reset_count(n, length)
        let ids = (0..<count).map { rtc_sctp_stream_reset_id(n, $0) }
        return .streamReset(flags: rtc_sctp_stream_reset_flags(n), streams: ids)
    case Int32(SCTP_SENDER_DRY_EVENT):
        return .senderDry
    case Int32(SCTP_SEND_FAILED_EVENT):
        return .sendFailed(stream: rtc_sctp_send_failed_sid(n), error: rtc_sctp_send_failed_error(n))
    case Int32(SCTP_SHUTDOWN_EVENT):
        return .shutdown
    default:
        return nil
    }
}
