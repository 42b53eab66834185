import Testing
@testable import RTCCore
@testable import RTCDTLS
@testable import RTCSRTP
import RTCTestSupport

/// SRTP keyed by a real DTLS handshake (two `DTLSTransport`s over a `MemoryLink`): what one end
/// protects with its exported keys the other unprotects (RFC 5764 §4.2).
@Suite struct SRTPDTLSTests {
    @Test(arguments: [SRTPProtectionProfile.aeadAes128Gcm, .aes128CmHmacSha1_80])
    func dtlsExportedKeysProtectBothWays(profile: SRTPProtectionProfile) throws {
        let loop = ManualEventLoop()
        let pair = try DTLSPair(loop: loop) { $0.srtpProfiles = [profile] }
        pair.start()
        loop.run()
        #expect(pair.bothConnected)
        let clientKeys = try #require(pair.client.srtpKeyingMaterial)
        let serverKeys = try #require(pair.server.srtpKeyingMaterial)
        #expect(clientKeys.profile == profile && serverKeys.profile == profile)
        let client = try SRTPSession(keying: clientKeys)
        let server = try SRTPSession(keying: serverKeys)
        #expect(client.profile == profile)

        for seq: UInt16 in 1...20 {
            let up = srpRTP(seq: seq, ssrc: 0xC11E, size: 1200)
            #expect(server.unprotectRTP(try #require(client.protectRTP(up))) == up)
            let down = srpRTP(seq: seq, ssrc: 0x5E4E, size: 300)
            #expect(client.unprotectRTP(try #require(server.protectRTP(down))) == down)
        }
        let report = srpRTCP(ssrc: 0xC11E)
        #expect(server.unprotectRTCP(try #require(client.protectRTCP(report))) == report)
        #expect(client.unprotectRTCP(try #require(server.protectRTCP(report))) == report)

        // Each end's own packets do not verify with the key it expects from the peer.
        let mine = try #require(client.protectRTP(srpRTP(seq: 21, ssrc: 0xC11E)))
        #expect(client.unprotectRTP(mine) == nil)
        #expect(client.statistics == SRTPStatistics(protected: 22, unprotected: 21, authenticationFailures: 1))
        #expect(server.statistics == SRTPStatistics(protected: 21, unprotected: 21))
    }
}
