/// Why a transfer cannot start: a source that cannot be read or a target that cannot be made.
public enum TransferError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A file to send cannot be opened (path, strerror).
    case cannotOpen(String, String)
    /// A file to send is a directory.
    case isDirectory(String)
    /// The output directory cannot be created (path, reason).
    case cannotCreateDirectory(String, String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot open \(path): \(reason)"
        case let .isDirectory(path): return "\(path) is a directory"
        case let .cannotCreateDirectory(path, reason): return "cannot create \(path): \(reason)"
        }
    }
}
