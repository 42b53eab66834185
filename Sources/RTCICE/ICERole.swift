/// Which side nominates (RFC 8445 §6.1.1): the offerer starts controlling.
public enum ICERole: String, Sendable {
    case controlling, controlled

    var opposite: ICERole { self == .controlling ? .controlled : .controlling }
}

/// The agent's overall state, as `RTCIceConnectionState` names it.
public enum ICEConnectionState: String, Sendable {
    case new, checking, connected, completed, failed, disconnected, closed
}
