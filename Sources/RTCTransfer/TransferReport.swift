import RTC

/// How one file of a transfer ended, on either side: the summary `rtc send` / `rtc listen` print.
public struct TransferReport: Equatable, Sendable {
    /// The name the file has (with `--rename`, the one written).
    public var name: String
    /// Where the receiver wrote it (`-` for stdout); nil on the sending side or when refused early.
    public var path: String?
    public var bytes: Int
    public var seconds: Double
    /// Hex SHA-256 of the data ("" when the file failed before its end).
    public var sha256: String
    /// The receiver confirmed (or, receiving, checked) size and SHA-256.
    public var verified: Bool
    public var error: String?
    /// The server session the file belongs to, when serving.
    public var session: Int?
    /// The sender's name when the file was written under another (`--rename`).
    public var announced: String?

    public init(name: String, path: String?, bytes: Int, seconds: Double, sha256: String, verified: Bool,
                error: String?, session: Int? = nil, announced: String? = nil) {
        self.name = name
        self.path = path
        self.bytes = bytes
        self.seconds = seconds
        self.sha256 = sha256
        self.verified = verified
        self.error = error
        self.session = session
        self.announced = announced
    }

    /// The summary as one JSON line, keys sorted:
    /// `{"type":"file","name","bytes","seconds","mb_per_s","sha256","verified"[,"path","error","session","announced"]}`.
    public var jsonLine: String {
        var o: [String: JSONValue] = [
            "type": "file", "name": .string(name), "bytes": .int(bytes),
            "seconds": .double((seconds * 1000).rounded() / 1000),
            "mb_per_s": .double(seconds > 0 ? (Double(bytes) / 1e6 / seconds * 100).rounded() / 100 : 0),
            "sha256": .string(sha256), "verified": .bool(verified),
        ]
        if let path { o["path"] = .string(path) }
        if let error { o["error"] = .string(error) }
        if let session { o["session"] = .int(session) }
        if let announced { o["announced"] = .string(announced) }
        return TransferProtocol.encode(o)
    }
}

/// Progress of one file, for a progress display; calls come on the loop thread.
public protocol TransferProgress: AnyObject {
    /// `bytes` of `total` (nil: a stream) moved since `started` (`TransferClock.now()`);
    /// `force` on the last update of a file.
    func update(name: String, bytes: Int, total: Int?, started: Double, force: Bool)
    /// The file is over.
    func done()
}

/// The monotonic clock transfers time themselves with, in seconds.
public enum TransferClock {
    public static func now() -> Double { Double(monotonicNanoseconds()) / 1e9 }
}
