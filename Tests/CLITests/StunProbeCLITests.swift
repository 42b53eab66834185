import Foundation
import RTCTestSupport
import Testing

@Suite(.serialized) struct StunProbeCLITests {
    private func object(_ s: String) throws -> [String: Any] {
        let lines = s.split(separator: "\n")
        #expect(lines.count == 1, "exactly one JSON line: \(s)")
        return try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
    }

    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func loopbackAgainstCoturnIsOpenInternet() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let r = try CLI.run(["stun-probe", "--server", "stun:127.0.0.1:\(coturn.port)", "--timeout", "2"], timeout: 30)
        #expect(r.status == 0, "\(r.stderr)\n\(coturn.log.suffix(2000))")
        let o = try object(r.stdout)
        #expect(o["nat"] as? String == "open-internet")
        #expect(o["mapping"] as? String == "endpoint-independent")
        #expect(o["filtering"] as? String == "endpoint-independent")
        #expect(o["nat_detected"] as? Bool == false)
        #expect(o["server"] as? String == "127.0.0.1:\(coturn.port)")
        #expect(o["other_address"] as? String == "127.0.0.2:\(coturn.port + 1)")
        #expect(o["hairpinning"] as? Bool == true)
        #expect((o["rtt_ms"] as? Double).map { $0 >= 0 } == true)
        let local = try #require(o["local"] as? String)
        #expect(local.hasPrefix("127.0.0.1:"))
        #expect(o["mapped"] as? String == local)
        #expect((o["impossible"] as? [Any])?.isEmpty == true)
        let tests = try #require(o["tests"] as? [[String: Any]])
        #expect(tests.map { $0["name"] as? String } == ["mapping-1", "filtering-2", "hairpinning"])
    }

    @Test(.enabled(if: RequiredPeer.coturnWanted, "RTC_SKIP_COTURN=1"))
    func serverFromEnvironment() throws {
        let coturn = try Coturn()
        defer { coturn.stop() }
        let r = try CLI.run(["stun-probe", "--no-hairpinning"], timeout: 30,
                            environment: ["RTC_STUN_SERVER": "stun:127.0.0.1:\(coturn.port)"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try object(r.stdout)["nat"] as? String == "open-internet")
    }

    @Test func unreachableServerExits69WithinTimeout() throws {
        let port = Coturn.unusedPort()
        let start = Date()
        let r = try CLI.run(["stun-probe", "--server", "stun:127.0.0.1:\(port)", "--timeout", "1.5"], timeout: 20)
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.status == 69, "\(r.stdout) \(r.stderr)")
        #expect(elapsed < 1.5 + 1.0, "took \(elapsed) s")
        #expect(r.stderr.contains("no STUN response"))
        let o = try object(r.stdout)
        #expect(o["nat"] as? String == "udp-blocked")
        #expect(o["mapped"] is NSNull)
    }

    @Test func noServerIsAClearUsageError() throws {
        let r = try CLI.run(["stun-probe"], timeout: 20, environment: ["RTC_STUN_SERVER": nil])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("--server stun:"))
        #expect(r.stderr.contains("RTC_STUN_SERVER"))
        #expect(r.stderr.contains("e.g. rtc stun-probe --server stun:127.0.0.1:3478"))
    }

    @Test func badServerURLIsAUsageError() throws {
        let r = try CLI.run(["stun-probe", "--server", "http://x"], timeout: 20)
        #expect(r.status == 64)
        #expect(r.stderr.contains("stun:HOST[:PORT]"))
    }
}
