import RTCCore

/// Where the mDNS resolver sends its queries and hears answers: the real `MDNSSocket`, or a
/// fake in tests (the resolver itself never touches a socket).
public protocol MDNSTransport: AnyObject {
    /// Each datagram received, with its sender; called on the event loop.
    var onMessage: (([UInt8], TransportAddress) -> Void)? { get set }
    /// Sends one query message to every mDNS destination (multicast groups or test addresses).
    func sendQuery(_ bytes: [UInt8])
    func close()
}
