#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// File-scope wrappers: inside the classes `close`/`read` name their own methods.
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(fd, buf, count) }

/// A file written with plain POSIX calls: every `write` reaches the kernel at once (no user
/// buffer), so a player reading the growing file sees each frame as soon as it is written.
final class MediaFileOutput {
    let path: String
    private var fd: Int32
    /// Bytes written so far (the offset of the next write).
    private(set) var offset: Int = 0

    init(path: String) throws(MediaFileError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: Self.lastError()) }
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    func write(_ bytes: [UInt8]) throws(MediaFileError) {
        try pwriteAll(bytes, at: offset)
        offset += bytes.count
    }

    /// Overwrites bytes already written (header fields updated as the file grows).
    func overwrite(_ bytes: [UInt8], at position: Int) throws(MediaFileError) {
        try pwriteAll(bytes, at: position)
    }

    func close() throws(MediaFileError) {
        guard fd >= 0 else { return }
        let rc = posixClose(fd)
        fd = -1
        guard rc == 0 else { throw .io(path: path, reason: Self.lastError()) }
    }

    private func pwriteAll(_ bytes: [UInt8], at position: Int) throws(MediaFileError) {
        guard fd >= 0 else { throw .io(path: path, reason: "file already closed") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes {
                pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(position + done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: Self.lastError())
            }
            done += n
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}

/// A file read sequentially through a buffer, rewindable for `--loop`.
final class MediaFileInput {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false

    init(path: String) throws(MediaFileError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: MediaFileOutput.lastError()) }
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    /// Exactly `count` bytes, or nil when the file ends first (a truncated tail counts as end).
    func read(_ count: Int) throws(MediaFileError) -> [UInt8]? {
        while buffer.count - position < count {
            guard try fill() else { return nil }
        }
        defer { position += count }
        return Array(buffer[position..<position + count])
    }

    /// Up to `count` bytes; empty at end of file.
    func readSome(_ count: Int) throws(MediaFileError) -> [UInt8] {
        if buffer.count - position == 0 { _ = try fill() }
        let n = min(count, buffer.count - position)
        defer { position += n }
        return Array(buffer[position..<position + n])
    }

    /// Back to the first byte.
    func rewind() throws(MediaFileError) {
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw .io(path: path, reason: MediaFileOutput.lastError()) }
        buffer.removeAll()
        position = 0
        atEOF = false
    }

    /// Reads more into the buffer; false at end of file.
    private func fill() throws(MediaFileError) -> Bool {
        if atEOF { return false }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: MediaFileOutput.lastError())
            }
            if n == 0 {
                atEOF = true
                return false
            }
            buffer += chunk[0..<n]
            return true
        }
    }
}
