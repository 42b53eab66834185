#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket

/// What `rtc listen` does when the name a received file would get already exists.
public enum ExistingFilePolicy: Sendable {
    /// Refuse the file when it is announced, before any byte is written (the default).
    case refuse
    /// Replace the existing file, once the new one is verified (`--overwrite`).
    case overwrite
    /// Write `name (1).ext`, `name (2).ext`, ... instead (`--rename`).
    case rename
}

/// A received file on its way to disk: `NAME.part` while the data arrives, `NAME` once verified.
///
/// The `.part` is created with O_CREAT|O_EXCL|O_NOFOLLOW (never an existing file, never through
/// a symlink) and stays locked with flock(2), on a second, read-only descriptor, from its creation
/// until it has been moved to its final name. So no other transfer, in this process or in another
/// `rtc listen`, can open it, take it over, or have its own `.part` moved in its place. The write
/// descriptor goes to the `FileSink`, which closes it before the hash is compared; the move never
/// replaces an existing file (renameat2 RENAME_NOREPLACE, or link + unlink) unless the policy is
/// `.overwrite`.
///
/// A `.part` that already exists is another transfer's while its lock is held: the file is
/// refused (with `.rename`, the next name is tried). Without a lock it is stale, left by a transfer
/// that failed or was killed: it is removed and created afresh (the new transfer starts from
/// zero; there is no resume). A `.part` that is not a regular file (a symlink, a directory, a
/// FIFO) is never touched: the file is refused.
public final class PartFile {
    /// A file that cannot be received, with a one-line reason naming the path.
    public struct Refusal: Error, CustomStringConvertible {
        public let message: String
        /// The name is taken (the file or a locked `.part` exists): `.rename` tries the next one.
        public var taken = false

        public var description: String { message }
    }

    /// `name (1).ext` ... `name (maxSuffix).ext` are tried with `.rename`.
    public static let maxSuffix = 999

    public let policy: ExistingFilePolicy
    /// The path the announced name maps to (`finalPath` may carry a number).
    public let requestedPath: String
    /// Where the data goes once verified (with `.rename`, the name chosen so far).
    public private(set) var finalPath: String
    public let partPath: String
    /// The `.part`, open for writing; whoever writes the data closes it.
    public let writeFD: Int32
    private var lockFD: Int32
    /// The suffix number `finalPath` carries (0: the announced name).
    private var suffix: Int

    private init(policy: ExistingFilePolicy, requestedPath: String, suffix: Int, writeFD: Int32, lockFD: Int32) {
        self.policy = policy
        self.requestedPath = requestedPath
        let finalPath = suffix == 0 ? requestedPath : Self.numbered(requestedPath, suffix)
        self.finalPath = finalPath
        self.partPath = finalPath + ".part"
        self.suffix = suffix
        self.writeFD = writeFD
        self.lockFD = lockFD
    }

    deinit { release() }

    /// Claims `path` (with `.rename`, the first free of `path`, `name (1).ext`, ...) and creates
    /// its `.part`. Nothing is written and no existing file is touched when this throws.
    /// - Throws: `Refusal`.
    public static func create(for path: String, policy: ExistingFilePolicy) throws -> PartFile {
        for n in 0...(policy == .rename ? maxSuffix : 0) {
            let candidate = n == 0 ? path : numbered(path, n)
            do {
                let (writeFD, lockFD) = try claim(candidate, policy: policy)
                return PartFile(policy: policy, requestedPath: path, suffix: n, writeFD: writeFD, lockFD: lockFD)
            } catch let r as Refusal where r.taken && policy == .rename {
                continue
            }
        }
        throw Refusal(message: "no free name for \(path) (tried up to \(numbered(path, maxSuffix)))")
    }

    /// Moves the verified `.part` to its final name (the write descriptor is already closed).
    /// Returns the error, or nil with `finalPath` naming where the data now is. The lock is
    /// released either way; on an error the data stays in the `.part`.
    public func commit() -> String? {
        defer { release() }
        switch policy {
        case .overwrite:
            if rename(partPath, finalPath) == 0 { return nil }
            return "cannot rename \(partPath) to \(finalPath): \(Self.lastError())"
        case .refuse:
            if rtc_rename_noreplace(partPath, finalPath) == 0 { return nil }
            if errno == EEXIST { return "\(finalPath) appeared during the transfer; the data stays in \(partPath)" }
            return "cannot rename \(partPath) to \(finalPath): \(Self.lastError())"
        case .rename:
            // A file may have taken our name meanwhile: move on to the next free one.
            for n in suffix...Self.maxSuffix {
                let candidate = n == 0 ? requestedPath : Self.numbered(requestedPath, n)
                if n != suffix && (Self.exists(candidate) || Self.exists(candidate + ".part")) { continue }
                if rtc_rename_noreplace(partPath, candidate) == 0 {
                    finalPath = candidate
                    suffix = n
                    return nil
                }
                if errno != EEXIST { return "cannot rename \(partPath) to \(candidate): \(Self.lastError())" }
            }
            return "no free name for \(requestedPath); the data stays in \(partPath)"
        }
    }

    /// Gives up the `.part` (it stays on disk, unlocked: a later transfer of the name replaces it).
    public func release() {
        if lockFD >= 0 { close(lockFD) }
        lockFD = -1
    }

    // MARK: - Claiming a name

    /// Checks the final name against the policy and creates its `.part`: (write, lock) descriptors.
    private static func claim(_ path: String, policy: ExistingFilePolicy) throws -> (Int32, Int32) {
        var info = stat()
        if lstat(path, &info) == 0 {
            if policy != .overwrite {
                throw Refusal(message: "\(path) exists (--overwrite replaces it, --rename keeps both)", taken: true)
            }
            if (info.st_mode & S_IFMT) == S_IFDIR { throw Refusal(message: "\(path) is a directory") }
        } else if errno != ENOENT {
            throw Refusal(message: "cannot check \(path): \(Self.lastError())")
        }
        return try createPart(path + ".part")
    }

    /// Creates `part` exclusively and locks it; removes a stale one first. A few rounds at most:
    /// each retry means another claimant changed the name in between.
    private static func createPart(_ part: String) throws -> (Int32, Int32) {
        for _ in 0..<8 {
            let w = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if w >= 0 {
                // The lock lives on its own descriptor, so it outlasts the write descriptor's close.
                let lock = open(part, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                if lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0 && sameFile(lock, w) && sameFile(lock, part) {
                    return (w, lock)
                }
                // Someone took our fresh .part for a stale one and removed it: start over.
                if lock >= 0 { close(lock) }
                close(w)
                continue
            }
            guard errno == EEXIST else { throw Refusal(message: "cannot create \(part): \(Self.lastError())") }
            let old = open(part, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            if old < 0 {
                if errno == ENOENT { continue }
                if errno == ELOOP { throw Refusal(message: "\(part) exists and is a symbolic link; not touching it") }
                throw Refusal(message: "cannot open the existing \(part): \(Self.lastError())")
            }
            defer { close(old) }
            var info = stat()
            guard fstat(old, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw Refusal(message: "\(part) exists and is not a regular file; not touching it")
            }
            guard flock(old, LOCK_EX | LOCK_NB) == 0 else {
                throw Refusal(message: "\(part) is being written by another transfer", taken: true)
            }
            // Unlocked: stale. Remove it only while the name still refers to the file we locked.
            if sameFile(old, part) { unlink(part) }
        }
        throw Refusal(message: "\(part) kept changing while it was being created", taken: true)
    }

    // MARK: - Helpers

    /// `dir/name (n).ext`: the number goes before the last extension (none for `.name`).
    public static func numbered(_ path: String, _ n: Int) -> String {
        let (dir, base) = split(path)
        let bytes = Array(base.utf8)
        if let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot > 0 {
            let stem = String(decoding: bytes[..<dot], as: UTF8.self)
            let ext = String(decoding: bytes[dot...], as: UTF8.self)
            return dir + stem + " (\(n))" + ext
        }
        return dir + base + " (\(n))"
    }

    private static func split(_ path: String) -> (dir: String, base: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    private static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `fd` is the file `path` names now (device and inode), without following a symlink.
    package static func sameFile(_ fd: Int32, _ path: String) -> Bool {
        var a = stat(), b = stat()
        return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    private static func sameFile(_ fd: Int32, _ other: Int32) -> Bool {
        var a = stat(), b = stat()
        return fstat(fd, &a) == 0 && fstat(other, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
