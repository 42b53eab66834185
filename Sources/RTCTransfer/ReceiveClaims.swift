/// One writer per name: which names a `rtc listen` session has accepted, and who holds stdout.
///
/// A session accepts each announced name once. A second announcement, whether the first file is
/// still arriving, was verified or failed, is refused at its header: two channels writing one
/// name is how a sender could make the receiver report one file verified while the disk holds
/// another. Across sessions (and processes) the `.part` lock of `PartFile` keeps one writer per
/// name. With `-o -`, stdout carries one file at a time for all sessions, so two files can never
/// interleave in the stream. Loop thread only.
public final class ReceiveClaims {
    /// Whether stdout is taken, shared by every session of one `rtc listen`.
    public final class Stdout {
        public private(set) var busy = false

        public init() {}

        /// Takes stdout for one file: false while another file holds it.
        public func take() -> Bool {
            if busy { return false }
            busy = true
            return true
        }

        public func release() { busy = false }
    }

    public let stdout: Stdout
    private var names: Set<String> = []

    public init(stdout: Stdout) { self.stdout = stdout }

    /// True the first time `name` is announced in this session, false after.
    public func claim(_ name: String) -> Bool {
        names.insert(name).inserted
    }
}
