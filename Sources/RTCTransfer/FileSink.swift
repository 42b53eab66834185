import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import RTC

/// Hashes and writes one received file on its own thread, so the event loop never waits on
/// the disk (write, fsync). The queue between them is bounded: when the disk is slower than
/// the network and `limit` bytes are waiting, `write` blocks the loop until the disk catches
/// up, which stalls the SCTP receiver and so, through its window, the sender. Memory stays
/// bounded (`limit` plus one batch) whatever the file size.
// @unchecked Sendable is safe: the state the writer thread shares (`queue`, `pending`, the flags,
// `error`, `onFinished`) is guarded by `condition`; `hash` is used by one thread at a time (the
// writer, or the caller when `inline`, then `complete` after the writer's last use).
public final class FileSink: @unchecked Sendable {
    /// The file, or -1 to hand the data to `output` (stdout).
    public let fd: Int32
    let output: (@Sendable ([UInt8]) -> Void)?
    public let limit: Int
    /// Writes on the caller's thread instead of a writer thread.
    public let inline: Bool

    private let condition = Condition()
    private var queue: [[UInt8]] = []
    private var pending = 0
    private var closing = false
    private var aborted = false
    /// The writer has written its last byte (what follows is fsync and close).
    private var writesDone = false
    private var error: String?
    private var onFinished: (@Sendable (String?, String) -> Void)?
    private let hash = SHA256Stream()

    /// RTC_WRITE_ON_LOOP=1 writes, hashes and fsyncs inline on the caller's thread instead
    /// (the behaviour before the writer thread), to measure the difference.
    public static let inlineByDefault = ProcessInfo.processInfo.environment["RTC_WRITE_ON_LOOP"] == "1"

    /// - Parameters:
    ///   - fd: the file to write (closed by the sink), or -1 to hand the data to `output`.
    ///   - output: where the data goes when `fd` is -1 (called on the writer thread).
    ///   - limit: bytes that may wait for the disk before `write` blocks.
    ///   - inline: write, hash and fsync on the caller's thread (no writer thread).
    public init(fd: Int32, output: (@Sendable ([UInt8]) -> Void)? = nil, limit: Int = 16 << 20, inline: Bool = inlineByDefault) {
        self.fd = fd
        self.output = output
        self.limit = limit
        self.inline = inline
        if inline { return }
        startThread(name: "rtc-file-writer") { [self] in main() }
    }

    /// Queues `bytes` (loop thread); blocks while the queue is full. Returns the first write
    /// error so far, if any.
    public func write(_ bytes: [UInt8]) -> String? {
        if inline {
            if let error { return error }
            hash.update(bytes)
            if fd >= 0 { error = writeAll(bytes) } else { output?(bytes) }
            return error
        }
        condition.lock()
        defer { condition.unlock() }
        while pending >= limit && error == nil && !aborted { condition.wait() }
        if let error { return error }
        queue.append(bytes)
        pending += bytes.count
        condition.broadcast()
        return nil
    }

    /// Once everything queued is written, fsyncs and closes the file, then calls `done` with
    /// the error (if any) and the hex SHA-256 of the data, on the writer thread.
    public func finish(_ done: @escaping @Sendable (String?, String) -> Void) {
        if inline {
            onFinished = done
            closing = true
            complete()
            return
        }
        condition.lock()
        onFinished = done
        closing = true
        condition.broadcast()
        condition.unlock()
    }

    /// Drops what is queued and closes the file (the .part stays); `finish`'s callback never runs.
    /// Returns once the writer has stopped writing (it finishes at most the chunk it is on; a
    /// final fsync may still run), so nothing is written after the caller's verdict.
    public func abort() {
        if inline {
            if !closing, fd >= 0 { close(fd) }
            closing = true
            aborted = true
            writesDone = true
            return
        }
        condition.lock()
        aborted = true
        closing = true
        queue.removeAll()
        condition.broadcast()
        while !writesDone { condition.wait() }
        condition.unlock()
    }

    private func main() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if aborted || (queue.isEmpty && closing) {
                condition.unlock()
                break
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let failed = error != nil
            condition.unlock()
            var problem: String?
            var size = 0
            for b in batch {
                size += b.count
                if failed || problem != nil || isAborted() { continue }
                hash.update(b)
                if fd >= 0 { problem = writeAll(b) } else { output?(b) }
            }
            condition.lock()
            pending -= size
            if error == nil, let problem { error = problem }
            condition.broadcast()
            condition.unlock()
        }
        complete()
    }

    private func complete() {
        condition.lock()
        let wasAborted = aborted
        var problem = error
        let done = onFinished
        writesDone = true
        condition.broadcast()
        condition.unlock()
        if fd >= 0 {
            if !wasAborted && problem == nil && fsync(fd) != 0 { problem = "fsync failed: \(String(cString: strerror(errno)))" }
            close(fd)
        }
        // Closed before the caller compares hashes and renames: no write can follow its verdict.
        if !wasAborted { done?(problem, hash.finalize().hexString) }
    }

    private func isAborted() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return aborted
    }

    private func writeAll(_ b: [UInt8]) -> String? {
        RTC.writeAll(fd, b) ? nil : "write failed: \(String(cString: strerror(errno)))"
    }
}
