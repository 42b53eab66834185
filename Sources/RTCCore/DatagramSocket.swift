/// A bound UDP endpoint as ICE, STUN, TURN and NAT discovery see it: datagrams go out with
/// `send`, come in through `onDatagram` on the event loop. `UDPSocket` is the real one (batched
/// `sendmmsg`/`recvmmsg`); `VirtualNetwork` makes in-process ones, so whole sessions run in a test
/// without the kernel (pion's `transport.Net` plays the same role).
public protocol DatagramSocket: AnyObject {
    /// The bound address (with the port the system or network picked for port 0).
    var localAddress: TransportAddress { get }
    /// Called on the loop for each datagram: (bytes, sender).
    var onDatagram: (([UInt8], TransportAddress) -> Void)? { get set }
    /// Sets (or with nil, clears) a receiver that gets each datagram borrowed for the duration of
    /// the call, in place of `onDatagram` (setting either replaces the other). The media path
    /// uses it so a datagram is not copied into an array of its own; sockets without a buffer of
    /// their own inherit a wrapper around `onDatagram`.
    func setBorrowingReceiver(_ receiver: ((UnsafeRawBufferPointer, TransportAddress) -> Void)?)
    /// Queues one datagram to `address`. Returns false when the socket is closed.
    @discardableResult
    func send(_ bytes: [UInt8], to address: TransportAddress) -> Bool
    /// The same for bytes the caller owns only during the call (the hot path: no array per packet).
    @discardableResult
    func send(bytes: UnsafeRawBufferPointer, to address: TransportAddress) -> Bool
    /// Releases the port; later sends return false and nothing more is delivered.
    func close()
}

extension DatagramSocket {
    public func setBorrowingReceiver(_ receiver: ((UnsafeRawBufferPointer, TransportAddress) -> Void)?) {
        onDatagram = receiver.map { r in { bytes, from in bytes.withUnsafeBytes { r($0, from) } } }
    }
}

/// Makes the sockets a component binds (the network it lives on). Pass one in a configuration
/// (`ICEAgent.Configuration.socketFactory`, `PeerConnection.Configuration.socketFactory`) to put
/// the component on a `VirtualNetwork`; the default is the kernel's UDP. Sendable, so a
/// configuration holding one can be handed to the loop from another thread.
public protocol DatagramSocketFactory: AnyObject, Sendable {
    /// Binds a socket on `loop` to `address` (port 0 picks a free port).
    /// - Throws: when the address cannot be bound (`SocketError` for the kernel).
    func makeSocket(loop: EventLoop, bindTo address: TransportAddress) throws -> DatagramSocket
}

/// The kernel's UDP: each socket is a `UDPSocket`.
public final class UDPSocketFactory: DatagramSocketFactory, Sendable {
    /// The one instance configurations default to.
    public static let shared = UDPSocketFactory()

    public init() {}

    public func makeSocket(loop: EventLoop, bindTo address: TransportAddress) throws -> DatagramSocket {
        try UDPSocket(loop: loop, bindTo: address)
    }
}
