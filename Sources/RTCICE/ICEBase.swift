import RTCCore
import RTCTURN

/// What a local candidate sends from (RFC 8445 §5.1.1.3, "base"): a host socket, or a TURN
/// allocation made from that socket (RFC 8656), whose packets travel in Send indications or
/// ChannelData through the server.
final class ICEBase {
    /// The local candidate this base stands for: `host` or `relay`.
    let candidate: ICECandidate
    /// The host socket; a relay base shares it with the TURN client.
    let socket: DatagramSocket
    /// The allocation, for a relay base.
    let turn: TURNClient?
    /// Peer IPs we asked the server to permit (RFC 8656 §9), so each is asked for once.
    var requestedPermissions: Set<[UInt8]> = []
    /// Peers we asked to bind a channel to (RFC 8656 §12).
    var requestedChannels: Set<TransportAddress> = []

    init(candidate: ICECandidate, socket: DatagramSocket, turn: TURNClient? = nil) {
        self.candidate = candidate
        self.socket = socket
        self.turn = turn
    }

    var isRelay: Bool { turn != nil }

    /// Sends `bytes` to `peer`: directly, or through the relay.
    @discardableResult
    func send(_ bytes: [UInt8], to peer: TransportAddress) -> Bool {
        guard !bytes.isEmpty else { return false }  // a message ICEWire could not encode
        if let turn { return turn.send(bytes, to: peer) }
        return socket.send(bytes, to: peer)
    }

    /// The same from a borrowed buffer: a host base hands it to the socket without an array.
    @discardableResult
    func send(bytes: UnsafeRawBufferPointer, to peer: TransportAddress) -> Bool {
        if let turn { return turn.send(Array(bytes), to: peer) }
        return socket.send(bytes: bytes, to: peer)
    }

    /// Asks the TURN server to let `peer`'s IP reach us (once per IP; the client refreshes it).
    func permit(_ peer: TransportAddress) {
        guard let turn, !requestedPermissions.contains(peer.ip) else { return }
        requestedPermissions.insert(peer.ip)
        turn.createPermission(peer) { [weak self] result in
            if case let .failure(e) = result {
                Log.debug("TURN permission for \(peer) failed: \(e)", "ice")
                self?.requestedPermissions.remove(peer.ip)
            }
        }
    }

    /// Binds a channel to `peer` (once), so data goes as 4-byte-header ChannelData (§12).
    func bindChannel(_ peer: TransportAddress) {
        guard let turn, !requestedChannels.contains(peer) else { return }
        requestedChannels.insert(peer)
        turn.bindChannel(peer) { result in
            switch result {
            case let .success(n): Log.debug("TURN channel \(n) bound to \(peer)", "ice")
            case let .failure(e): Log.debug("TURN ChannelBind to \(peer) failed: \(e); Send indications go on", "ice")
            }
        }
    }
}
