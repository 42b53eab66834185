import RTC
import RTCSignaling

/// `rtc offer` / `rtc answer` around `PeerSession`: stdin lines become messages (or, with stdio
/// signaling, the peer's description first), session events become stdout lines
/// (`SessionLines`), diagnostics go to `log`, and how a session ended becomes an exit status.
public final class SessionConsole: Sendable {
    public let json: Bool
    public let out: StdoutWriter
    public let maxLine: Int
    private let log: @Sendable (String) -> Void
    private let badInput: @Sendable (String) -> Void

    /// - Parameters:
    ///   - maxLine: the longest stdin line accepted, in bytes.
    ///   - log: one diagnostic line (the caller adds its prefix and newline).
    ///   - badInput: unreadable stdin while serving (a line too long, not UTF-8): the reason; the
    ///     caller reports it and exits (65).
    public init(json: Bool, out: StdoutWriter, maxLine: Int = LineReader.defaultMaxLine,
                log: @escaping @Sendable (String) -> Void, badInput: @escaping @Sendable (String) -> Void) {
        self.json = json
        self.out = out
        self.maxLine = maxLine
        self.log = log
        self.badInput = badInput
    }

    /// Runs one session, its stdin, stdout and SIGINT/SIGTERM this process's; returns the exit status.
    public func runAlone(_ session: PeerSession) -> Int32 {
        attach(session)
        out.onClosed = { session.finish(nil) }
        let trap = SignalTrap { sig in session.interrupt(signal: sig) }
        session.onStarted = { [self] in
            StdinLines.start(maxLine: maxLine, onError: { session.finish(.badInput($0)) }) { [self] line in
                _ = stdinLine(line, to: session)
            }
        }
        let status = report(session.run())
        withExtendedLifetime(trap) {}
        return status
    }

    /// Serves sessions one after another on a listening URL; returns the worst exit status.
    public func serve(_ server: SessionServer, verbose: Bool) -> Int32 {
        do { _ = try server.listen() } catch let e as SignalingFailure {
            return report(.signaling(e))
        } catch {
            return report(.failure("\(error)"))
        }
        var worst: Int32 = 0
        server.onUncounted = { [log] in
            if verbose { log("a peer left before the offer/answer exchange (not counted)") }
        }
        server.onSessionEnd = { [self] n, error in
            let status = report(error)
            worst = max(worst, status)
            if json { out.writeLine(JSONValue.object(["type": "session", "session": .int(n), "status": .int(Int(status))]).jsonText) }
            if verbose || status != 0 { log("session \(n) ended with status \(status)") }
        }
        out.onClosed = { server.stop { $0.finish(nil) } }
        let trap = SignalTrap { sig in server.stop { $0.interrupt(signal: sig) } }
        StdinLines.start(maxLine: maxLine, onError: badInput) { [self] line in
            server.route(isEnd: line == nil) { stdinLine(line, to: $0) }
        }
        server.run()
        withExtendedLifetime(trap) {}
        return worst
    }

    /// Reports how a session ended (one diagnostic line, none for a signal) and returns its exit status.
    public func report(_ error: SessionError?) -> Int32 {
        guard let error else { return 0 }
        if case .interrupted = error {} else { log(error.description) }
        return error.exitStatus.rawValue
    }

    /// Sends `session`'s events to stdout and `log` (on the session's loop thread).
    public func attach(_ session: PeerSession) {
        session.onEvent = { [self] e in
            for output in SessionLines.outputs(for: e, json: json) {
                switch output {
                case let .line(s): out.writeLine(s)
                case let .bytes(b): out.write(b)
                case let .errorLine(s): log(s)
                }
            }
        }
    }

    /// One stdin line (nil at EOF), on the stdin thread; blocks while the channel is not open or
    /// its buffer is full. Returns false when the session ended before the line (or EOF) could
    /// be taken, so a server can hand it to the next session.
    public func stdinLine(_ line: String?, to session: PeerSession) -> Bool {
        guard let line else { return session.endInput() }
        if session.input(line: line) == .signaling { return true }
        guard session.waitForOpen() else { return false }
        switch SessionLines.input(line, json: json) {
        case let .send(message, label, id):
            return session.sendBlocking(message, label: label, id: id)
        case .restartICE:
            session.restartICE()
            return true
        case let .invalid(reason):
            session.finish(.badInput(reason))
            return true
        }
    }
}
