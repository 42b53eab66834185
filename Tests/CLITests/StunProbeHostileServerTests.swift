import Foundation
import RTC
import Testing

/// `rtc stun-probe` against a STUN server that lies or fails (issue 15, finding 8): each test
/// runs the binary against a `FakeSTUNServer` on loopback that sends one kind of bad answer.
@Suite struct StunProbeHostileServerTests {
    private struct Run {
        let status: Int32
        let stderr: String
        let json: [String: Any]
        var tests: [[String: Any]] { json["tests"] as? [[String: Any]] ?? [] }
    }

    private func probe(_ server: FakeSTUNServer, _ extra: [String] = []) throws -> Run {
        let r = try CLI.run(["stun-probe", "--server", "stun:\(server.address)", "--timeout", "1", "--no-hairpinning"]
                            + extra, timeout: 30)
        let line = try #require(r.stdout.split(separator: "\n").first, "no JSON: \(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return Run(status: r.status, stderr: r.stderr, json: json)
    }

    /// A success response mapping the client to `mapped` (default: where it came from).
    private static func success(_ request: STUNMessage, _ source: TransportAddress,
                                mapped: TransportAddress? = nil,
                                _ edit: (inout STUNMessage) -> Void = { _ in }) -> STUNMessage {
        var m = request.response()
        m.xorMappedAddress = mapped ?? source
        edit(&m)
        return m
    }

    private static func withWrongFingerprint(_ m: STUNMessage) -> [UInt8] {
        var m = m
        m.addFingerprint()
        var bytes = m.encode()
        bytes[bytes.count - 1] ^= 0x5A
        return bytes
    }

    @Test func wrongFingerprintIsDiscardedNotBelieved() throws {
        let forged = TransportAddress(ipv4: 198, 51, 100, 1, port: 1)
        let server = try FakeSTUNServer { req, src in
            [Self.withWrongFingerprint(Self.success(req, src, mapped: forged))]
        }
        defer { server.stop() }
        let r = try probe(server)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.json["mapped"] is NSNull)
        #expect(r.tests.first?["outcome"] as? String == "invalid")
        #expect(r.stderr.contains("FINGERPRINT"), "\(r.stderr)")
        #expect(!r.stderr.contains(forged.description) && !"\(r.json)".contains(forged.description))
    }

    @Test func forgedResponseFirstThenGenuineOneIsBelieved() throws {
        let forged = TransportAddress(ipv4: 198, 51, 100, 1, port: 1)
        let server = try FakeSTUNServer { req, src in
            var good = Self.success(req, src)
            good.addFingerprint()
            return [Self.withWrongFingerprint(Self.success(req, src, mapped: forged)), good.encode()]
        }
        defer { server.stop() }
        let r = try probe(server)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json["mapped"] as? String == r.json["local"] as? String)
        #expect(r.tests.first?["outcome"] as? String == "ok")
    }

    @Test(arguments: ["0.0.0.0:0", "127.0.0.2:0", "224.0.0.1:3479", "0.0.0.0:3479"])
    func untrustedOtherAddressMakesTestsImpossible(other: String) throws {
        let server = try FakeSTUNServer { req, src in
            [Self.success(req, src) { $0.otherAddress = TransportAddress(other)! }.encode()]
        }
        defer { server.stop() }
        let r = try probe(server)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json["other_address"] is NSNull, "\(r.json)")
        #expect(r.json["impossible"] as? [String] == ["mapping-2", "mapping-3", "filtering-2", "filtering-3"])
        #expect(r.json["filtering"] is NSNull && r.json["mapping"] is NSNull)
        #expect(r.json["nat"] as? String == "unknown")
        let details = r.tests.filter { $0["outcome"] as? String == "impossible" }.compactMap { $0["detail"] as? String }
        #expect(details.count == 4 && details.allSatisfy { $0.contains("OTHER-ADDRESS \(other) not trusted") },
                "\(details)")
        #expect(server.requests.allSatisfy { $0.changeRequest == nil }, "a CHANGE-REQUEST test ran")
    }

    @Test func errorResponseIsReportedWithCodeAndReason() throws {
        let server = try FakeSTUNServer { req, _ in
            var m = req.response(.errorResponse)
            m.errorCode = STUNErrorCode(401, reason: "Unauthorized")
            return [m.encode()]
        }
        defer { server.stop() }
        let r = try probe(server)
        #expect(r.status == 69, "\(r.stderr)")
        #expect(r.stderr.contains("error response 401 Unauthorized"), "\(r.stderr)")
        #expect(!r.stderr.contains("no STUN response"))
        let error = try #require(r.json["error"] as? [String: Any], "\(r.json)")
        #expect(error["code"] as? Int == 401)
        #expect(error["reason"] as? String == "Unauthorized")
        #expect(r.tests.first?["outcome"] as? String == "error")
    }

    private static func tryAlternate(_ req: STUNMessage, to alternate: TransportAddress) -> [UInt8] {
        var m = req.response(.errorResponse)
        m.errorCode = STUNErrorCode(300, reason: "Try Alternate")
        m.alternateServer = alternate
        return m.encode()
    }

    @Test func tryAlternateIsFollowedOnce() throws {
        let alternate = try FakeSTUNServer { req, src in [Self.success(req, src).encode()] }
        defer { alternate.stop() }
        let primary = try FakeSTUNServer { req, _ in [Self.tryAlternate(req, to: alternate.address)] }
        defer { primary.stop() }
        let r = try probe(primary)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.json["server"] as? String == alternate.address.description)
        #expect(r.json["mapped"] as? String == r.json["local"] as? String)
        let firstTests = r.tests.filter { $0["name"] as? String == "mapping-1" }
        #expect(firstTests.map { $0["outcome"] as? String } == ["redirected", "ok"], "\(r.tests)")
        #expect(firstTests.first?["server"] as? String == primary.address.description)
        #expect(alternate.requests.count == 1)
    }

    @Test func secondRedirectIsNotFollowed() throws {
        let alternate = try FakeSTUNServer { req, _ in [Self.tryAlternate(req, to: TransportAddress("127.0.0.1:9")!)] }
        defer { alternate.stop() }
        let primary = try FakeSTUNServer { req, _ in [Self.tryAlternate(req, to: alternate.address)] }
        defer { primary.stop() }
        let r = try probe(primary)
        #expect(r.status == 69, "\(r.stderr)")
        #expect((r.json["error"] as? [String: Any])?["code"] as? Int == 300)
        #expect(r.stderr.contains("300 Try Alternate"), "\(r.stderr)")
        #expect((r.tests.last?["detail"] as? String)?.contains("already redirected once") == true, "\(r.tests)")
    }

    @Test func unusableAlternateServerIsNotFollowed() throws {
        let primary = try FakeSTUNServer { req, _ in [Self.tryAlternate(req, to: TransportAddress("0.0.0.0:0")!)] }
        defer { primary.stop() }
        let r = try probe(primary)
        #expect(r.status == 69, "\(r.stderr)")
        #expect((r.tests.first?["detail"] as? String)?.contains("ALTERNATE-SERVER 0.0.0.0:0 is unusable") == true, "\(r.tests)")
        #expect(primary.requests.count >= 1)
    }

    @Test func unusableMappedAddressIsInvalid() throws {
        let server = try FakeSTUNServer { req, src in
            [Self.success(req, src, mapped: TransportAddress("0.0.0.0:0")!).encode()]
        }
        defer { server.stop() }
        let r = try probe(server)
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.json["mapped"] is NSNull)
        #expect(r.stderr.contains("mapped address 0.0.0.0:0"), "\(r.stderr)")
    }

    @Test func insaneResponseOriginIsNoted() throws {
        let server = try FakeSTUNServer { req, src in
            [Self.success(req, src) { $0.responseOrigin = TransportAddress("0.0.0.0:0")! }.encode()]
        }
        defer { server.stop() }
        let r = try probe(server)
        #expect(r.status == 0, "\(r.stderr)")
        #expect((r.tests.first?["detail"] as? String)?.contains("RESPONSE-ORIGIN 0.0.0.0:0 ignored") == true,
                "\(r.tests)")
    }

    // MARK: MESSAGE-INTEGRITY with short-term credentials (RFC 8489 §9.1)

    private static func signed(_ req: STUNMessage, _ src: TransportAddress, password: String?) -> [UInt8] {
        var m = success(req, src)
        if let password { m.addMessageIntegrity(key: STUNMessage.shortTermKey(password: password)) }
        m.addFingerprint()
        return m.encode()
    }

    @Test func responseSignedWithThePasswordIsBelieved() throws {
        let server = try FakeSTUNServer { req, src in [Self.signed(req, src, password: "pass-word")] }
        defer { server.stop() }
        let r = try probe(server, ["--username", "user1", "--password", "pass-word"])
        #expect(r.status == 0, "\(r.stderr)")
        let request = try #require(server.requests.first)
        #expect(request.username == "user1")
        #expect(request.hasValidMessageIntegrity(key: STUNMessage.shortTermKey(password: "pass-word")))
    }

    @Test(arguments: ["wrong-password", nil] as [String?])
    func responseNotSignedWithThePasswordIsDiscarded(signWith: String?) throws {
        let server = try FakeSTUNServer { req, src in [Self.signed(req, src, password: signWith)] }
        defer { server.stop() }
        let r = try probe(server, ["--username", "user1", "--password", "pass-word"])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.json["mapped"] is NSNull)
        #expect(r.stderr.contains("MESSAGE-INTEGRITY"), "\(r.stderr)")
    }

    @Test func usernameWithoutPasswordIsAUsageError() throws {
        let r = try CLI.run(["stun-probe", "--server", "stun:127.0.0.1:3478", "--username", "u"], timeout: 20)
        #expect(r.status == 64)
        #expect(r.stderr.contains("--username and --password go together"))
    }
}
