#if canImport(Glibc)
import Glibc
#endif
import CRTCSocket
import RTC
import Synchronization

/// A child `rtc` process with its stdin and stdout connected to pipes (posix_spawn; stderr is
/// shared), as `rtc bench --processes 2` runs its receiver.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    /// Our end of the child's stdin.
    public let input: Int32
    /// Our end of the child's stdout.
    public let output: Int32
    /// Reaped (atomic: a reader thread may hold the process while its owner waits for it).
    private let exited = Atomic<Bool>(false)

    /// Starts this same executable with `arguments`, or `executable` (a path) when given.
    /// - Throws: `BenchError` when the pipes or the process cannot be made.
    public init(arguments: [String], executable: String? = nil) throws {
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            throw BenchError("pipe: \(String(cString: strerror(errno)))")
        }
        // Our ends must not leak into the child (it would never see EOF on stdin).
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        // This binary: argv[0] when it is a path (so tools that wrap us, like valgrind, follow
        // the child too), else /proc/self/exe (argv[0] was a bare name found through PATH).
        let invoked = CommandLine.arguments[0]
        let path = executable
            ?? (invoked.utf8.contains(UInt8(ascii: "/")) && access(invoked, X_OK) == 0 ? invoked : "/proc/self/exe")
        let argv = ([executable ?? CommandLine.arguments[0]] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        close(toChild[0])
        close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw BenchError("cannot start \(path): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        self.input = toChild[1]
        self.output = fromChild[0]
    }

    deinit {
        close(input)
        close(output)
    }

    /// Writes `text` to the child's stdin.
    public func write(_ text: String) {
        writeAll(input, Array(text.utf8))
    }

    /// One line from the child's stdout (without the newline), or nil at EOF.
    public func readLine() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(output, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    public var isRunning: Bool {
        guard !exited.load(ordering: .acquiring) else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited.store(true, ordering: .releasing) }
        return !exited.load(ordering: .acquiring)
    }

    /// Waits until the child exits or `deadline` passes, whichever comes first: poll(2) on a
    /// pidfd, which turns readable at the exit, so there is no sleep between checks. True when
    /// it exited (it is reaped). Without pidfds (a kernel before 5.3) it only checks once.
    public func waitForExit(until deadline: Deadline) -> Bool {
        guard isRunning else { return true }
        let fd = rtc_pidfd_open(pid)
        guard fd >= 0 else { return !isRunning }
        defer { close(fd) }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while !deadline.hasPassed {
            let ms = Int32(min(Double(Int32.max), (deadline.secondsLeft * 1000).rounded(.up)))
            let rc = poll(&entry, 1, ms)
            if rc > 0 || (rc < 0 && errno != EINTR) { break }
        }
        return !isRunning
    }

    /// Sends SIGTERM (once it is reaped, nothing).
    public func terminate() {
        if !exited.load(ordering: .acquiring) { kill(pid, SIGTERM) }
    }

    /// Waits for the exit and reaps the child.
    public func waitUntilExit() {
        guard !exited.load(ordering: .acquiring) else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        exited.store(true, ordering: .releasing)
    }
}
