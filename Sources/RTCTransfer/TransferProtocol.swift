import RTC

/// The `rtc send` / `rtc listen` wire protocol, version 1 (subprotocol `rtc-transfer/1`).
///
/// One reliable, ordered data channel per file, labelled with the file name:
///   1. sender → text `{"type":"header","name":"a.bin","size":N}` (`size` -1 for a stream);
///   2. sender → binary chunks of at most 65,535 bytes (`pieceSize`, smaller when the
///      receiver's `a=max-message-size` is);
///   3. sender → text `{"type":"end","bytes":N,"sha256":"<hex>"}`;
///   4. receiver → text `{"type":"verdict","ok":true|false,"bytes":N,"sha256":"<hex>"[,"error":"..."]}`;
///   5. the sender closes the channel; after the last verdict it closes the connection.
/// A receiver may answer a header with a negative verdict at once (e.g. a refused name, a name
/// already announced in this session, an existing file).
public enum TransferProtocol {
    /// The data channel subprotocol (RFC 8832 §5.1 "Protocol") of a transfer channel.
    public static let subprotocol = "rtc-transfer/1"
    /// One byte under 64 KiB: pion/webrtc v3 reads each message into a 65,535-byte buffer
    /// (`dataChannelBufferSize = math.MaxUint16`) and closes the channel on a longer one,
    /// although its SDP implies 65,536 (RFC 8841 §6 default).
    public static let chunkSize = 65_535

    /// The binary piece size for a peer whose send limit is `limit` (nil: not known yet).
    public static func pieceSize(limit: Int?) -> Int {
        min(chunkSize, max(1, limit ?? chunkSize))
    }

    /// A JSON object as one line, keys sorted.
    public static func encode(_ object: [String: JSONValue]) -> String {
        JSONValue.object(object).jsonText
    }

    /// A text message as a JSON object, or nil when it is not one.
    public static func decode(_ text: String) -> [String: JSONValue]? {
        JSONValue.parseObject(text)
    }

    /// Why an announced name cannot be written, or nil when it is a safe single file name.
    ///
    /// Names are flat: no `/` or `\`, not `.` or `..`, no control characters (C0, DEL, C1) or NUL, at most
    /// 255 bytes, and not ending in `.part` (our own temporary suffix). So a file can only ever
    /// land directly inside the output directory.
    public static func nameProblem(_ name: String) -> TransferNameProblem? {
        if name.isEmpty { return .empty }
        if name.utf8.count > 255 { return .tooLong }
        if name == "." || name == ".." { return .directoryReference(name) }
        if name.utf8.contains(UInt8(ascii: "/")) || name.utf8.contains(UInt8(ascii: "\\")) { return .pathSeparator }
        // Unicode's control characters (category Cc): C0, DEL and C1. C1's CSI (U+009B) and
        // OSC (U+009D) start escape sequences on terminals that print the name.
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return .controlCharacters
        }
        if name.hasSuffix(".part") { return .partSuffix }
        return nil
    }
}

/// Why `TransferProtocol.nameProblem` refuses an announced file name.
public enum TransferNameProblem: Error, Equatable, CustomStringConvertible, Sendable {
    case empty
    /// Over 255 bytes of UTF-8 (NAME_MAX on Linux).
    case tooLong
    /// `.` or `..`.
    case directoryReference(String)
    /// `/` or `\` anywhere in the name.
    case pathSeparator
    /// NUL, C0 controls, DEL or C1 controls (U+0080–U+009F).
    case controlCharacters
    /// Ends in `.part`, the receiver's own temporary suffix.
    case partSuffix

    public var description: String {
        switch self {
        case .empty: return "empty file name"
        case .tooLong: return "file name longer than 255 bytes"
        case let .directoryReference(name): return "file name '\(name)' is a directory reference"
        case .pathSeparator: return "file name contains a path separator"
        case .controlCharacters: return "file name contains control characters"
        case .partSuffix: return "file name ends in .part"
        }
    }
}
