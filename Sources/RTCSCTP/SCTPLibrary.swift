import RTCCore
#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket
import CUsrsctp

/// The process-wide usrsctp instance.
///
/// usrsctp is global state: one `usrsctp_init_nothreads` per process, shared by every association
/// (and by every test running in parallel in one process). It is initialised lazily on first use
/// and never finished. The stack drives usrsctp's timers itself (`usrsctp_handle_timers`, see
/// `SCTPTimerDriver`), so usrsctp runs no timer thread of its own.
///
/// Callbacks from usrsctp (`conn_output`, receive, send-space) carry a small integer handle, which
/// this type maps to the association's `SCTPMailbox` under a lock. A callback for an association
/// that has gone away finds nothing and is dropped.
package enum SCTPLibrary {
    /// True when incoming packets are not CRC32c-verified (`usrsctp_enable_crc32c_offload`).
    ///
    /// Process-wide choice: DTLS below authenticates every record, so the checksum cannot catch
    /// anything DTLS has not already caught. Outgoing packets still carry a computed CRC32c
    /// because peers (browsers) verify it. Measured with `SCTPThroughputTests` (release, 512 MiB
    /// as 64 KiB messages, two associations on one PollEventLoop, busy 2-core machine): offload
    /// on 336–361 MB/s, off 283–291 MB/s, so it stays on. `RTC_SCTP_VERIFY_CRC=1` turns it off.
    static let crcOffload: Bool = {
        if let v = getenv("RTC_SCTP_VERIFY_CRC"), String(cString: v) == "1" { return false }
        return true
    }()

    private static let lock = Lock()
    // Safe: `mailboxes` and `nextHandle` are read and written only while holding `lock`.
    nonisolated(unsafe) private static var mailboxes: [UInt: SCTPMailbox] = [:]
    nonisolated(unsafe) private static var nextHandle: UInt = 1

    /// Runs usrsctp's one-time initialisation; safe from any thread, idempotent.
    package static func ensureInitialized() { _ = initialized }

    private static let initialized: Bool = {
        // Swift runs this global initialiser exactly once (swift_once), whatever the thread.
        usrsctp_init_nothreads(0, sctpConnOutput, nil)
        applySettings()
        return true
    }()

    /// Registers a mailbox and returns its handle (used as the AF_CONN address and ulp_info).
    static func register(_ mailbox: SCTPMailbox) -> UInt {
        ensureInitialized()
        lock.lock()
        defer { lock.unlock() }
        let h = nextHandle
        nextHandle += 1
        mailboxes[h] = mailbox
        return h
    }

    static func unregister(_ handle: UInt) {
        lock.lock()
        mailboxes[handle] = nil
        lock.unlock()
    }

    static func mailbox(_ handle: UInt) -> SCTPMailbox? {
        lock.lock()
        defer { lock.unlock() }
        return mailboxes[handle]
    }

    /// Number of live associations (for tests).
    static var registeredCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return mailboxes.count
    }
}

/// usrsctp's output callback: one SCTP packet for the association whose handle is `addr`.
/// The buffer is freed when this returns, so the mailbox copies it.
private func sctpConnOutput(
    _ addr: UnsafeMutableRawPointer?, _ buffer: UnsafeMutableRawPointer?, _ length: Int,
    _ tos: UInt8, _ setDF: UInt8
) -> Int32 {
    guard let buffer, length > 0 else { return 0 }
    let handle = UInt(bitPattern: addr)
    guard let box = SCTPLibrary.mailbox(handle) else { return 0 }
    if SCTPLibrary.crcOffload, rtc_sctp_fill_crc32c_hw(buffer, length) == 0 {
        rtc_sctp_fill_crc32c(buffer, length)  // no CRC32c instruction: usrsctp's table-driven one
    }
    box.output(UnsafeRawBufferPointer(start: buffer, count: length))
    return 0
}
