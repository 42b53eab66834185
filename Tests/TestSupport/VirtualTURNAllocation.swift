import RTCCore
import RTCSTUN

/// One allocation of `VirtualTURNServer` (RFC 8656 §2.2): the client's 5-tuple, its relayed
/// transport address, the permissions and channel bindings installed on it, and their expiry.
/// Expiry is checked when a datagram or request needs it (no timers): a test advances the
/// manual clock and the next packet finds the grant gone.
final class VirtualTURNAllocation {
    let client: TransportAddress
    /// The username that created the allocation; later requests must use it (§5, 441 otherwise).
    let username: String
    let key: [UInt8]
    let relay: DatagramSocket
    var expiry: LoopInstant
    /// The Allocate that made it and the bytes of the answer: a retransmitted Allocate gets the
    /// same answer, another one 437 (§7.2).
    let allocateTransaction: STUNTransactionID
    var allocateResponse: [UInt8] = []
    /// Permission expiry by peer IP (§9: ports do not matter).
    var permissions: [[UInt8]: LoopInstant] = [:]
    /// Channel bindings both ways, with their expiry (§12).
    var channelPeers: [UInt16: (peer: TransportAddress, expiry: LoopInstant)] = [:]
    var channelNumbers: [TransportAddress: UInt16] = [:]

    init(client: TransportAddress, username: String, key: [UInt8], relay: DatagramSocket, expiry: LoopInstant,
         allocateTransaction: STUNTransactionID) {
        self.client = client
        self.username = username
        self.key = key
        self.relay = relay
        self.expiry = expiry
        self.allocateTransaction = allocateTransaction
    }

    func hasPermission(for ip: [UInt8], at now: LoopInstant) -> Bool {
        guard let until = permissions[ip] else { return false }
        return now < until
    }

    /// The peer of a live channel `number`.
    func peer(onChannel number: UInt16, at now: LoopInstant) -> TransportAddress? {
        guard let binding = channelPeers[number], now < binding.expiry else { return nil }
        return binding.peer
    }

    /// The live channel bound to `peer`.
    func channel(for peer: TransportAddress, at now: LoopInstant) -> UInt16? {
        guard let number = channelNumbers[peer], self.peer(onChannel: number, at: now) != nil else { return nil }
        return number
    }
}
