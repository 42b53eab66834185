import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Where received files go.
public enum ReceiveTarget: Equatable, Sendable {
    case directory(String)
    case file(String)
    case stdout

    /// `-` is stdout; an existing directory (or a path ending in `/`, or `.`, created if missing)
    /// is a directory; anything else names the single file to write.
    /// - Throws: `TransferError.cannotCreateDirectory`.
    public static func resolve(_ path: String) throws -> ReceiveTarget {
        if path == "-" { return .stdout }
        var info = stat()
        if stat(path, &info) == 0 {
            return (info.st_mode & S_IFMT) == S_IFDIR ? .directory(path) : .file(path)
        }
        if path.hasSuffix("/") || path == "." {
            do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
                throw TransferError.cannotCreateDirectory(path, "\(error)")
            }
            return .directory(path)
        }
        return .file(path)
    }
}
