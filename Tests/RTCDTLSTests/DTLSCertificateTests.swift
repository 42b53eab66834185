import COpenSSL
import Foundation
import Testing
@testable import RTCDTLS

private func sha256(_ data: [UInt8], into digest: inout [UInt8]) -> Bool {
    SHA256(data, data.count, &digest) != nil
}

@Suite struct DTLSCertificateTests {
    @Test func generatesP256CertificateWithSHA256Fingerprint() throws {
        let cert = try DTLSCertificate.generate()
        let fp = cert.fingerprint
        #expect(fp.algorithm == .sha256)
        #expect(fp.bytes.count == 32)
        // "AB:CD:..." upper-case: 32 bytes -> 95 characters.
        #expect(fp.hexValue.count == 95)
        #expect(fp.hexValue.allSatisfy { "0123456789ABCDEF:".contains($0) })
        #expect(fp.sdpValue.hasPrefix("sha-256 "))
        #expect(cert.pemCertificate.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(cert.pemPrivateKey.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(cert.derCertificate.count > 100)
    }

    @Test func freshCertificatesDiffer() throws {
        let a = try DTLSCertificate.generate()
        let b = try DTLSCertificate.generate()
        #expect(a.fingerprint != b.fingerprint)
    }

    @Test func fingerprintIsDigestOfDER() throws {
        let cert = try DTLSCertificate.generate()
        // The sha-256 fingerprint must equal an independent digest of the DER bytes.
        let der = cert.derCertificate
        var digest = [UInt8](repeating: 0, count: 32)
        try #require(sha256(der, into: &digest))
        #expect(cert.fingerprint.bytes == digest)
    }

    @Test(arguments: DTLSFingerprint.Algorithm.allCases)
    func otherHashFunctions(algorithm: DTLSFingerprint.Algorithm) throws {
        let cert = try DTLSCertificate.generate()
        let fp = cert.fingerprint(algorithm)
        #expect(fp.algorithm == algorithm)
        #expect(fp.bytes.count == algorithm.digestLength)
        #expect(try DTLSFingerprint(sdpValue: fp.sdpValue) == fp)
    }

    @Test func pemRoundTripThroughFiles() throws {
        let cert = try DTLSCertificate.generate()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtc-dtls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let certPath = dir.appendingPathComponent("cert.pem").path
        let keyPath = dir.appendingPathComponent("key.pem").path
        try cert.pemCertificate.write(toFile: certPath, atomically: true, encoding: .utf8)
        try cert.pemPrivateKey.write(toFile: keyPath, atomically: true, encoding: .utf8)

        let loaded = try DTLSCertificate(certificateFile: certPath, keyFile: keyPath)
        #expect(loaded.fingerprint == cert.fingerprint)
        #expect(loaded.pemCertificate == cert.pemCertificate)
    }

    @Test func loadRejectsMissingFileAndForeignKey() throws {
        #expect(throws: DTLSError.self) {
            _ = try DTLSCertificate(certificateFile: "/nonexistent/cert.pem", keyFile: "/nonexistent/key.pem")
        }
        let a = try DTLSCertificate.generate()
        let b = try DTLSCertificate.generate()
        #expect(throws: DTLSError.keyDoesNotMatchCertificate) {
            _ = try DTLSCertificate(pemCertificate: a.pemCertificate, pemPrivateKey: b.pemPrivateKey)
        }
        #expect(throws: DTLSError.self) {
            _ = try DTLSCertificate(pemCertificate: "not pem", pemPrivateKey: a.pemPrivateKey)
        }
    }
}

@Suite struct DTLSFingerprintTests {
    static let sample = "sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:"
        + "BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:A2"

    @Test func parsesAndFormatsSDPForm() throws {
        let fp = try DTLSFingerprint(sdpValue: Self.sample)
        #expect(fp.algorithm == .sha256)
        #expect(fp.bytes.first == 0x19)
        #expect(fp.sdpValue == Self.sample)
    }

    @Test func parsingIsCaseInsensitiveAndToleratesAttributePrefix() throws {
        let lower = try DTLSFingerprint(sdpValue: "a=fingerprint:SHA-256 " + Self.sample.dropFirst(8).lowercased())
        #expect(lower == (try DTLSFingerprint(sdpValue: Self.sample)))
    }

    @Test(arguments: [
        "sha-256",
        "sha-256 19:E2",
        "sha-256 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04:BB:05:2F:70:9F:04:A9:0E:05:E9:26:33:E8:70:88:ZZ",
        "sha-256 19E2:1C",
        "md5 19:E2:1C:3B:4B:9F:81:E6:B8:5C:F4:A5:A8:D8:73:04",
        "",
    ])
    func rejectsMalformed(input: String) {
        #expect(throws: DTLSError.self) { _ = try DTLSFingerprint(sdpValue: input) }
    }

    @Test func unsupportedHashIsNamed() {
        #expect(throws: DTLSError.unsupportedHashFunction("md5")) {
            _ = try DTLSFingerprint(sdpValue: "md5 AA:BB")
        }
    }
}

@Suite struct DTLSRecordTests {
    private func record(type: UInt8, length: Int) -> [UInt8] {
        [type, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, UInt8(length >> 8), UInt8(length & 0xff)]
            + [UInt8](repeating: 0xaa, count: length)
    }

    @Test func splitsBackToBackRecords() {
        let bytes = record(type: 22, length: 100) + record(type: 20, length: 1) + record(type: 22, length: 40)
        let ranges = DTLSRecord.split(bytes)
        #expect(ranges.map(\.count) == [113, 14, 53])
    }

    @Test func keepsTruncatedTail() {
        let bytes = record(type: 22, length: 10) + [22, 0xfe]
        #expect(DTLSRecord.split(bytes).map(\.count) == [23, 2])
    }

    @Test func packsRecordsUpToMTU() {
        #expect(DTLSRecord.packDatagrams([UInt8](), mtu: 1200).isEmpty)
        let bytes = record(type: 22, length: 500) + record(type: 22, length: 500) + record(type: 22, length: 100)
            + record(type: 20, length: 1)
        let datagrams = DTLSRecord.packDatagrams(bytes, mtu: 1100)
        #expect(datagrams.map(\.count) == [1026, 127])
        #expect(datagrams.joined().elementsEqual(bytes))
    }

    @Test func oversizedRecordGoesAlone() {
        let bytes = record(type: 23, length: 1500) + record(type: 23, length: 10)
        #expect(DTLSRecord.packDatagrams(bytes, mtu: 1200).map(\.count) == [1513, 23])
    }

    @Test func dtlsRangeByFirstByte() {
        #expect(DTLSRecord.looksLikeDTLS([22]))
        #expect(DTLSRecord.looksLikeDTLS([63]))
        #expect(!DTLSRecord.looksLikeDTLS([0, 1]))  // STUN
        #expect(!DTLSRecord.looksLikeDTLS([128]))  // RTP
        #expect(!DTLSRecord.looksLikeDTLS([]))
    }
}

@Suite struct DTLSStateAndRoleTests {
    @Test func transitions() {
        let failed = DTLSTransportState.failed(.handshakeTimeout)
        #expect(DTLSTransportState.new.canTransition(to: .connecting))
        #expect(DTLSTransportState.connecting.canTransition(to: .connected))
        #expect(DTLSTransportState.connected.canTransition(to: .closed))
        #expect(DTLSTransportState.connecting.canTransition(to: failed))
        #expect(!DTLSTransportState.new.canTransition(to: .connected))
        #expect(!DTLSTransportState.closed.canTransition(to: .connecting))
        #expect(!failed.canTransition(to: .connected))
        #expect(!failed.canTransition(to: .closed))
    }

    @Test func setupAttributeMapsToRole() {
        #expect(DTLSRole(localSetup: "active") == .client)
        #expect(DTLSRole(localSetup: "PASSIVE") == .server)
        #expect(DTLSRole(localSetup: "actpass") == nil)
        #expect(DTLSRole.forAnswerer(remoteSetup: "actpass") == .client)
        #expect(DTLSRole.forAnswerer(remoteSetup: "active") == .server)
    }

    @Test func srtpKeysSplitByRole() throws {
        let material = (0..<56).map { UInt8($0) }  // GCM: 2 * (16 + 12); AES-CM would need 60
        #expect(SRTPKeyingMaterial(profile: .aes128CmHmacSha1_80, exported: material, isClient: true) == nil)
        let gcm = try #require(SRTPKeyingMaterial(profile: .aeadAes128Gcm, exported: material, isClient: true))
        #expect(gcm.localKey == Array(0..<16))
        #expect(gcm.remoteKey == Array(16..<32))
        #expect(gcm.localSalt == Array(32..<44))
        #expect(gcm.remoteSalt == Array(44..<56))
        let server = try #require(SRTPKeyingMaterial(profile: .aeadAes128Gcm, exported: material, isClient: false))
        #expect(server.localKey == gcm.remoteKey && server.remoteSalt == gcm.localSalt)
    }
}
