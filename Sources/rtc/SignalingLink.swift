#if canImport(Glibc)
import Glibc
#endif
import RTC

/// One signaling conversation with one peer, whatever carries it (stdio, TCP, WebSocket).
///
/// `start` delivers each message and then one end (nil when the peer just went away) on any
/// thread; `send` may be called from any thread.
protocol SignalingLink: AnyObject, Sendable {
    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void)
    func send(_ message: SignalingMessage)
    func close()
}

/// Signaling on stdin/stdout: our description is one stdout line; the first non-empty stdin
/// line is the peer's (or `--remote FILE`). Later lines that are not signaling are ignored, so
/// two peers can be wired with fifos although each also prints summaries.
final class StdioSignalingLink: SignalingLink, @unchecked Sendable {
    let out: StdoutWriter
    let compact: Bool
    let remoteFile: String?

    init(out: StdoutWriter, compact: Bool, remoteFile: String?) {
        self.out = out
        self.compact = compact
        self.remoteFile = remoteFile
    }

    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        if let remoteFile {
            guard let text = try? String(contentsOfFile: remoteFile, encoding: .utf8) else {
                onEnd(.malformed("cannot read --remote file \(remoteFile)"))
                return
            }
            do { onMessage(try SignalingMessage.parse(text)) } catch let e as SignalingError { onEnd(e) } catch {}
            return
        }
        let first = FirstLineFlag()
        StdinLines.start(onError: { onEnd(.malformed($0)) }) { line in
            guard let line else {
                onEnd(nil)
                return
            }
            if line.trimmingWhitespace().isEmpty { return }
            if first.take() {
                do { onMessage(try SignalingMessage.parse(line)) } catch let e as SignalingError {
                    onEnd(e)
                } catch {}
            } else if line.hasPrefix("{"), line.containsText("\"candidate\""), let m = try? SignalingMessage.parse(line) {
                onMessage(m)
            }
        }
    }

    func send(_ message: SignalingMessage) {
        if case .bye = message { return }
        let line = message.json()
        out.writeLine(compact && message.isDescription ? CompactToken.encode(line) : line)
    }

    func close() {}
}

private final class FirstLineFlag: @unchecked Sendable {
    private var seen = false
    private let lock = Lock()
    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if seen { return false }
        seen = true
        return true
    }
}

/// aiortc `TcpSocketSignaling` wire format on one TCP connection. Garbage ends the link with
/// `.malformed`; aiortc's `{"type": "bye"}` is delivered as `.bye`.
final class TCPSignalingLink: SignalingLink, @unchecked Sendable {
    let connection: TCPSignalingConnection

    init(_ connection: TCPSignalingConnection) { self.connection = connection }

    func start(onMessage: @escaping @Sendable (SignalingMessage) -> Void,
               onEnd: @escaping @Sendable (SignalingError?) -> Void) {
        let ended = FirstLineFlag()
        connection.startReading(onLine: { [connection] line in
            if line.trimmingWhitespace().isEmpty { return }
            do {
                onMessage(try SignalingMessage.parse(line))
            } catch let e as SignalingError {
                if ended.take() { onEnd(e) }
                connection.close()
            } catch {}
        }, onEnd: { e in
            if ended.take() { onEnd(e) }
        })
    }

    func send(_ message: SignalingMessage) {
        try? connection.send(line: message.aiortcLine())
    }

    func close() { connection.close() }
}

extension SignalingMessage {
    var isDescription: Bool {
        if case .description = self { return true }
        return false
    }
}
