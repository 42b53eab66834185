#if canImport(Glibc)
import Glibc
#endif
import RTC

/// `rtc offer` / `rtc answer` with a listening `--signal` (tcp-listen://, ws-listen://): peers
/// are served one after another, each a full `PeerSession`, until SIGINT/SIGTERM, `--count`
/// sessions, or the end of stdin.
///
/// Stdin is one stream for the whole process: each line goes to the session whose channel is
/// open at the time (a line read while no session is open waits for the next one). EOF on
/// stdin goes to the current (or next) session, which closes its channel once everything
/// queued is delivered, and the server stops after it, since later peers would get nothing.
final class PeerServer: @unchecked Sendable {
    let role: PeerSession.Role
    let peer: PeerOptions
    let channel: ChannelOptions
    let media: MediaOptions
    let json: Bool
    let url: SignalURL
    let count: Int
    let serveOptions: ServeOptions
    let out = StdoutWriter()

    private let condition = Condition()
    private var current: PeerSession?
    /// The session the stdin thread is handing a line to.
    private var inFlight: PeerSession?
    private var eofTaken = false
    private var stopping = false
    private var trap: SignalTrap?

    init(role: PeerSession.Role, peer: PeerOptions, channel: ChannelOptions, media: MediaOptions, json: Bool,
         url: SignalURL, count: Int, serveOptions: ServeOptions) {
        self.media = media
        self.serveOptions = serveOptions
        self.role = role
        self.peer = peer
        self.channel = channel
        self.json = json
        self.url = url
        self.count = count
    }

    func run() -> Int32 {
        if peer.verbose { Log.level = .debug }
        do { _ = try peer.configuration() } catch let e as CLIError {
            printError("rtc: " + e.message)
            return e.status.rawValue
        } catch { return ExitStatus.failure.rawValue }
        let queue = LinkQueue()
        let server: AnyObject
        do {
            server = try SignalingConnector.serve(url, options: serveOptions) { link in queue.put(link) }
        } catch let e as CLIError {
            printError("rtc: " + e.message)
            return e.status.rawValue
        } catch { return ExitStatus.failure.rawValue }

        out.onClosed = { [self] in stop(queue) { $0.finish(0, nil) } }
        trap = SignalTrap { [self] sig in stop(queue) { $0.interrupt(sig) } }
        StdinLines.start { [self] line in route(line) }

        var worst: Int32 = 0
        var served = 0
        while count == 0 || served < count {
            guard let link = queue.take() else { break }
            served += 1
            let session = PeerSession(role: role, peer: peer, channel: channel, media: media, json: json, out: out)
            session.signalURL = url
            session.servedLink = link
            condition.lock()
            current = session
            condition.broadcast()
            condition.unlock()
            let status = session.run()
            link.close() // whatever ended the session, its connection goes (no descriptor left behind)
            let counted = link.exchanged
            condition.lock()
            current = nil
            condition.broadcast()
            // A line being handed over returns promptly once the session has finished.
            while inFlight === session { condition.wait() }
            let eof = eofTaken
            let stop = stopping
            condition.unlock()
            if !counted && !stop {
                // No offer/answer exchange (silence or garbage after our offer): not a session.
                served -= 1
                if peer.verbose { printError("rtc: a peer left before the offer/answer exchange (not counted)") }
                if eof { break }
                continue
            }
            worst = max(worst, status)
            if json {
                out.writeLine(JSONValue.object(["type": "session", "session": .int(served), "status": .int(Int(status))]).jsonText)
            }
            if peer.verbose || status != 0 { printError("rtc: session \(served) ended with status \(status)") }
            if eof || stop { break }
        }
        queue.stop()
        closeSignalServer(server)
        return worst
    }

    /// Stops serving (any thread): no new session starts; `body` ends the current one.
    private func stop(_ queue: LinkQueue, _ body: (PeerSession) -> Void) {
        queue.stop()
        condition.lock()
        stopping = true
        let session = current
        condition.broadcast()
        condition.unlock()
        if let session { body(session) }
    }

    /// Stdin thread: hands `line` (nil at EOF) to the current session, or to the next one if
    /// the session ends before taking it.
    private func route(_ line: String?) {
        while true {
            condition.lock()
            while current == nil && !stopping { condition.wait() }
            guard let session = current, !stopping else {
                condition.unlock()
                return
            }
            inFlight = session
            condition.unlock()
            let taken = session.stdinLine(line)
            condition.lock()
            inFlight = nil
            if taken && line == nil { eofTaken = true }
            condition.broadcast()
            if taken {
                condition.unlock()
                return
            }
            while current === session && !stopping { condition.wait() }
            condition.unlock()
        }
    }
}
