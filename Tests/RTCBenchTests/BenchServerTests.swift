import Testing
import RTCTestSupport
import RTC
@testable import RTCBench

/// Two PeerConnections on a `VirtualNetwork` (manual clock), the answerer served by `BenchServer`.
final class BenchWorld {
    let loop = ManualEventLoop()
    let net: VirtualNetwork
    let client: PeerConnection
    let server: BenchServer

    init() throws {
        let loop = self.loop
        let net = VirtualNetwork(loop: loop)
        self.net = net
        func make(_ host: VirtualHost) throws -> PeerConnection {
            var c = PeerConnection.Configuration()
            c.iceHosts = host.addresses
            c.socketFactory = host
            return try PeerConnection(loop: loop, configuration: c)
        }
        client = try make(net.internet.addHost([198, 51, 100, 20]))
        let answerer = try make(net.internet.addHost([198, 51, 100, 21]))
        var gathered = 0
        client.whenGatheringComplete { gathered += 1 }
        answerer.whenGatheringComplete { gathered += 1 }
        _ = loop.advance(until: { gathered == 2 }, limit: .seconds(10))
        server = BenchServer(peer: answerer, loop: loop)
        try answerer.setRemoteDescription(client.createOffer())
        try client.setRemoteDescription(answerer.createAnswer())
    }

    deinit {
        client.close()
        server.peer.close()
    }

    /// Opens `label` and waits until it is open.
    func open(_ label: String) throws -> DataChannel {
        let ch = try client.createDataChannel(label: label)
        #expect(loop.advance(until: { ch.readyState == .open }, limit: .seconds(10)))
        return ch
    }
}

/// Drives usrsctp on a ManualEventLoop: serialized with the other association suites (its clock
/// is process-wide, see `USRSCTPSuites`).
extension USRSCTPSuites {
/// The receiving side's protocol: byte counts per channel, echo on `rtt`, `report` on `ctl`.
@Suite struct BenchServerTests {
    @Test func countsBytesAndAnswersReports() throws {
        let w = try BenchWorld()
        let ctl = try w.open("ctl")
        var replies: [[String: JSONValue]] = []
        ctl.onMessage = { m in if case let .text(t) = m, let o = JSONValue.parseObject(t) { replies.append(o) } }
        let tp = try w.open("tp-1")
        try tp.send(binary: [UInt8](repeating: 1, count: 1000))
        try tp.send(text: "abc")
        try ctl.send(text: "report tp-1 1003")
        #expect(w.loop.advance(until: { replies.count == 1 }, limit: .seconds(10)))
        #expect(replies.first?["label"] == .string("tp-1"))
        #expect(replies.first?["bytes"]?.intValue == 1003)
        #expect(replies.first?["messages"]?.intValue == 2)
        let first = replies.first?["first_ns"]?.intValue ?? 0, last = replies.first?["last_ns"]?.intValue ?? 0
        #expect(first > 0 && last >= first)
    }

    /// `report LABEL BYTES` is held until that many bytes arrived: the sender waits for an event.
    @Test func heldReportIsAnsweredWhenTheBytesArrive() throws {
        let w = try BenchWorld()
        let ctl = try w.open("ctl")
        var replies: [String] = []
        ctl.onMessage = { m in if case let .text(t) = m { replies.append(t) } }
        let tp = try w.open("tp-2")
        try ctl.send(text: "report tp-2 2000")
        try tp.send(binary: [UInt8](repeating: 1, count: 1000))
        w.loop.advance(by: .seconds(1))
        #expect(replies.isEmpty, "answered before the bytes arrived: \(replies)")
        try tp.send(binary: [UInt8](repeating: 1, count: 1000))
        #expect(w.loop.advance(until: { replies.count == 1 }, limit: .seconds(10)))
        #expect(JSONValue.parseObject(replies[0])?["bytes"]?.intValue == 2000)
    }

    @Test func malformedControlRequestsAreIgnored() throws {
        let w = try BenchWorld()
        let ctl = try w.open("ctl")
        var replies: [String] = []
        ctl.onMessage = { m in if case let .text(t) = m { replies.append(t) } }
        for bad in ["", "report", "status tp-1", "report a b c", "report tp-1 lots"] { try ctl.send(text: bad) }
        try ctl.send(text: "report unknown")
        #expect(w.loop.advance(until: { !replies.isEmpty }, limit: .seconds(10)))
        w.loop.advance(by: .milliseconds(500))
        #expect(replies.count == 1)
        #expect(JSONValue.parseObject(replies[0])?["bytes"]?.intValue == 0)
    }

    @Test func rttChannelEchoes() throws {
        let w = try BenchWorld()
        let rtt = try w.open("rtt")
        var back: [DataChannelMessage] = []
        rtt.onMessage = { back.append($0) }
        try rtt.send(binary: [1, 2, 3])
        try rtt.send(text: "not echoed")
        try rtt.send(binary: [4])
        #expect(w.loop.advance(until: { back.count == 2 }, limit: .seconds(10)))
        #expect(back == [.binary([1, 2, 3]), .binary([4])])
    }
}
}
