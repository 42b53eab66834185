/// Life of a TURN client's allocation (RFC 8656 §6–§7).
public enum TURNClientState: String, Hashable, Sendable {
    case idle
    case allocating
    case allocated
    /// Deallocate (Refresh with LIFETIME 0) sent.
    case closing
    case closed
    case failed
}
