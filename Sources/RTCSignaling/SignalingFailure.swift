/// Why signaling could not start or went wrong, typed so an application maps it with a switch
/// (the `rtc` CLI turns each kind into its exit status).
public struct SignalingFailure: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The request cannot be served as asked (a listening URL to connect, a WHIP URL on the wrong side).
        case usage
        /// The peer or server sent something we cannot use (a 4xx, a 201 without an answer, garbage).
        case badInput
        /// The peer or server cannot be reached, refused, or failed (a 5xx).
        case unreachable
        /// No answer within the time allowed.
        case timeout
        /// The wait was cancelled (`SignalingCancellation`), by this signal number.
        case interrupted(signal: Int32)
        /// Anything else.
        case failure
    }

    public let kind: Kind
    /// One line saying what happened.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
