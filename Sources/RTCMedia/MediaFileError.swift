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
        case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
        case .io(let path, let reason): return "I/O error on \(path): \(reason)"
        case .malformed(let path, let reason): return "\(path) is malformed: \(reason)"
        case .unsupported(let why): return "unsupported media file: \(why)"
        }
    }
}
