import CRTCSocket
import CUsrsctp
import Testing
@testable import RTCCore

/// The hardware CRC32c used for outgoing SCTP packets must match usrsctp's own checksum bit for bit.
@Suite struct CRC32cTests {
    /// RFC 3720 §B.4: 32 bytes of zeros give 0x8A9136AA; 32 bytes of 0xFF give 0x62A8AB43.
    @Test func rfc3720Vectors() throws {
        try #require(rtc_crc32c_hardware() == 1, "no CRC32c instruction on this CPU")
        let zeros = [UInt8](repeating: 0, count: 32)
        let ones = [UInt8](repeating: 0xFF, count: 32)
        #expect(zeros.withUnsafeBytes { rtc_crc32c($0.baseAddress, $0.count) } == 0x8A91_36AA)
        #expect(ones.withUnsafeBytes { rtc_crc32c($0.baseAddress, $0.count) } == 0x62A8_AB43)
    }

    @Test(arguments: [12, 13, 15, 16, 17, 28, 100, 1212, 1233])
    func sctpChecksumMatchesUsrsctp(length: Int) throws {
        try #require(rtc_crc32c_hardware() == 1, "no CRC32c instruction on this CPU")
        var rng = SplitMix64(seed: UInt64(length))
        let packet = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var ours = packet
        var theirs = packet
        #expect(ours.withUnsafeMutableBytes { rtc_sctp_fill_crc32c_hw($0.baseAddress, $0.count) } == 1)
        theirs.withUnsafeMutableBytes { rtc_sctp_fill_crc32c($0.baseAddress, $0.count) }
        #expect(ours == theirs)
    }
}
