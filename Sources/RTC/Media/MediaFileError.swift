/// Why a media file could not be opened, read or written; the description is one line naming
/// the file.
public enum MediaFileError: Error, Equatable, CustomStringConvertible {
    /// The system refused to open the file (`errno` text).
    case cannotOpen(path: String, reason: String)
    /// A read or write failed (`errno` text).
    case io(path: String, reason: String)
    /// The file's bytes are not the container we expected; `reason` says where.
    case malformed(path: String, reason: String)
    /// The codec or extension has no file format here.
    case unsupported(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): return "cannot open \(path): \(reason)"
        case let .io(path, reason): return "I/O error on \(path): \(reason)"
        case let .malformed(path, reason): return "\(path) is malformed: \(reason)"
        case let .unsupported(why): return "unsupported media file: \(why)"
        }
    }
}
