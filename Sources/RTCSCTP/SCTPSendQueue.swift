/// Messages accepted by `SCTPAssociation.send` but not yet taken by usrsctp, in send order, and
/// the bytes each stream still has here (the data channel's `bufferedAmount`).
///
/// One FIFO for all streams: with explicit EOR a partly sent message must be finished before any
/// other message may start, so the head blocks until usrsctp has room again.
struct SCTPSendQueue {
    enum Item {
        case message(stream: UInt16, ppid: UInt32, payload: [UInt8], options: SCTPSendOptions)
        /// Outgoing stream reset, queued behind the stream's messages (RFC 8831 §6.7).
        case reset(stream: UInt16)
    }

    private var items: [Item] = []
    private var head = 0
    /// Bytes of the head message already handed to usrsctp.
    var headOffset = 0
    private(set) var bufferedByStream: [UInt16: Int] = [:]
    private(set) var totalBuffered = 0

    var isEmpty: Bool { head >= items.count }
    var count: Int { items.count - head }
    var first: Item? { isEmpty ? nil : items[head] }

    mutating func append(_ item: Item) {
        if case .message(let s, _, let p, _) = item {
            bufferedByStream[s, default: 0] += p.count
            totalBuffered += p.count
        }
        items.append(item)
    }

    /// Drops the head; returns it.
    @discardableResult
    mutating func removeFirst() -> Item? {
        guard !isEmpty else { return nil }
        let item = items[head]
        head += 1
        headOffset = 0
        if case .message(let s, _, let p, _) = item {
            let left = (bufferedByStream[s] ?? 0) - p.count
            bufferedByStream[s] = left > 0 ? left : nil
            totalBuffered -= p.count
        }
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    func buffered(stream: UInt16) -> Int { bufferedByStream[stream] ?? 0 }

    /// Removes everything, returning the streams that had bytes here.
    mutating func removeAll() -> [UInt16] {
        let streams = Array(bufferedByStream.keys)
        items.removeAll()
        head = 0
        headOffset = 0
        bufferedByStream.removeAll()
        totalBuffered = 0
        return streams
    }
}
