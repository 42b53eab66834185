import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// What a sender reads: an open file descriptor with its announced name and size.
public struct TransferSource {
    /// The name announced in the header.
    public var name: String
    /// Read from; closed by the `OutgoingFile` that sends it (unless it is 0–2).
    public let fd: Int32
    /// nil for a stream (stdin or a pipe).
    public let size: Int?
    public var isStream: Bool { size == nil }

    public init(name: String, fd: Int32, size: Int?) {
        self.name = name
        self.fd = fd
        self.size = size
    }

    /// Opens `path` (`-`: stdin, announced as "stdin"), announced under its last path component.
    /// - Throws: `TransferError.cannotOpen` or `.isDirectory`.
    public static func open(_ path: String) throws -> TransferSource {
        if path == "-" { return TransferSource(name: "stdin", fd: 0, size: nil) }
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TransferError.cannotOpen(path, String(cString: strerror(errno))) }
        var st = stat()
        fstat(fd, &st)
        if (st.st_mode & S_IFMT) == S_IFDIR {
            Glibc.close(fd)
            throw TransferError.isDirectory(path)
        }
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let name = URL(fileURLWithPath: path).lastPathComponent
        return TransferSource(name: name, fd: fd, size: regular ? Int(st.st_size) : nil)
    }
}
