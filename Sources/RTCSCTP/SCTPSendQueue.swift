/// Messages accepted by `SCTPAssociation.send` but not yet taken by usrsctp, and the bytes each
/// stream still has here (the data channel's `bufferedAmount`).
///
/// One FIFO per stream, served round-robin one whole message at a time: a small message on one
/// channel does not wait behind megabytes queued on another. That matters once usrsctp's send
/// buffer is held to a few congestion windows (`SCTPAssociation.adaptToPath`): the backlog then
/// waits here, and on a lossy 50 ms path a bulk channel's 2 MiB take seconds to drain. With
/// explicit EOR a partly sent message must be finished before any other message may start, so
/// the head only moves on once its message is fully handed over (`removeFirst`).
struct SCTPSendQueue {
    enum Item {
        case message(stream: UInt16, ppid: UInt32, payload: [UInt8], options: SCTPSendOptions)
        /// Outgoing stream reset, queued behind the stream's messages (RFC 8831 §6.7).
        case reset(stream: UInt16)

        var stream: UInt16 {
            switch self {
            case .message(let s, _, _, _), .reset(let s): return s
            }
        }
    }

    /// One stream's items in send order from `head`; taken slots are nil so their payloads are
    /// freed at once, not when the array is next compacted.
    private struct StreamFIFO {
        var items: [Item?] = []
        var head = 0
        var isEmpty: Bool { head >= items.count }
    }

    private var fifos: [UInt16: StreamFIFO] = [:]
    /// Streams with items, in service order from `orderHead`; the first is the head's.
    private var order: [UInt16] = []
    private var orderHead = 0
    /// Bytes of the head message already handed to usrsctp.
    var headOffset = 0
    private(set) var bufferedByStream: [UInt16: Int] = [:]
    private(set) var totalBuffered = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    /// Streams with something queued.
    var streamCount: Int { order.count - orderHead }

    var first: Item? {
        guard orderHead < order.count, let fifo = fifos[order[orderHead]] else { return nil }
        return fifo.items[fifo.head]
    }

    mutating func append(_ item: Item) {
        if case .message(let s, _, let p, _) = item {
            bufferedByStream[s, default: 0] += p.count
            totalBuffered += p.count
        }
        let s = item.stream
        if fifos[s] == nil {
            fifos[s] = StreamFIFO()
            order.append(s)
        }
        fifos[s]!.items.append(item)
        count += 1
    }

    /// Drops the head and returns it; the next head is the next stream's (round-robin).
    @discardableResult
    mutating func removeFirst() -> Item? {
        guard orderHead < order.count else { return nil }
        let s = order[orderHead]
        orderHead += 1
        guard var fifo = fifos.removeValue(forKey: s) else { return nil }  // unshared: no copy on write
        let item = fifo.items[fifo.head]
        fifo.items[fifo.head] = nil
        fifo.head += 1
        headOffset = 0
        count -= 1
        if case .message(_, _, let p, _) = item {
            let left = (bufferedByStream[s] ?? 0) - p.count
            bufferedByStream[s] = left > 0 ? left : nil
            totalBuffered -= p.count
        }
        if !fifo.isEmpty {
            if fifo.head > 64 && fifo.head * 2 > fifo.items.count {
                fifo.items.removeFirst(fifo.head)
                fifo.head = 0
            }
            fifos[s] = fifo
            order.append(s)
        }
        compactOrder()
        return item
    }

    private mutating func compactOrder() {
        if orderHead > 64 && orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }

    /// Serves the next stream first and the head's stream last, removing nothing; only between
    /// messages (`headOffset` 0). False when there is no other stream or a message is half sent.
    @discardableResult
    mutating func rotate() -> Bool {
        guard headOffset == 0, streamCount > 1 else { return false }
        order.append(order[orderHead])
        orderHead += 1
        compactOrder()
        return true
    }

    func buffered(stream: UInt16) -> Int { bufferedByStream[stream] ?? 0 }

    /// Removes everything, returning the streams that had bytes here.
    mutating func removeAll() -> [UInt16] {
        let streams = Array(bufferedByStream.keys)
        fifos.removeAll()
        order.removeAll()
        orderHead = 0
        headOffset = 0
        bufferedByStream.removeAll()
        totalBuffered = 0
        count = 0
        return streams
    }
}
