import RTC

/// The `async` face of `PeerSession`, beside the loop callbacks: events and messages as
/// `AsyncStream`s, a `send` that suspends instead of blocking, and `run` off the caller's thread.
extension PeerSession {
    /// Every event, ending when the session does. Call once, before `run` (it takes `onEvent`
    /// and `onEnd`; a callback set earlier still runs first).
    public func eventStream() -> AsyncStream<SessionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionEvent.self)
        let previous = onEvent
        let previousEnd = onEnd
        onEvent = { e in
            previous(e)
            continuation.yield(e)
        }
        onEnd = { result in
            previousEnd?(result)
            continuation.finish()
        }
        return stream
    }

    /// Runs the session on a thread of its own and returns how it ended (nil: cleanly).
    public func run() async -> SessionError? {
        await withCheckedContinuation { (c: CheckedContinuation<SessionError?, Never>) in
            startThread(name: "rtc-session") { [self] in c.resume(returning: run()) }
        }
    }

    /// Sends `message` on the channel `label` or `id` names (the first open one when neither),
    /// suspending until setup is done and while the channels buffer more than
    /// `SessionConfiguration.highWater` bytes: the back-pressure of a `for await` producer.
    /// - Throws: `SessionError.failure` when the session ended before the message was taken.
    public func send(_ message: DataChannelMessage, label: String? = nil, id: Int? = nil) async throws {
        let taken = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            enqueueAsync(AsyncSend(message: message, label: label, id: id) { c.resume(returning: $0) })
        }
        if !taken { throw SessionError.failure("the session ended before the message was sent") }
    }

    /// `send(.text(text))`.
    public func send(text: String, label: String? = nil) async throws {
        try await send(.text(text), label: label)
    }
}

extension AsyncStream where Element == SessionEvent {
    /// Only the messages, with their channel's label.
    public var messages: AsyncCompactMapSequence<AsyncStream<SessionEvent>, (label: String, message: DataChannelMessage)> {
        compactMap { e in
            if case let .message(label, _, m) = e { return (label, m) }
            return nil
        }
    }
}
