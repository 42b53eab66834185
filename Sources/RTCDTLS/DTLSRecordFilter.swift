import COpenSSL

/// Decides which received DTLS records may reach OpenSSL, and counts the rest.
///
/// Anyone who can send from the peer's address and port (a spoofed source) can put records in
/// front of us; only records the peer's keys authenticate may change the session. RFC 6347
/// §4.1.2.7: invalid records, including those that fail to deprotect, are silently discarded.
/// OpenSSL 3.0 does that for a bad AEAD tag, but some malformed records are fatal to it (with
/// an encrypt-then-MAC CBC suite every forged record is), so records are checked before:
/// - the header: DTLS 1.0/1.2 version, a known content type, a length within the datagram;
/// - the epoch: 0 (plaintext) only during the handshake; 1 only once the cipher is known.
///   After the handshake nothing in epoch 0 is authenticated (alerts, handshake messages,
///   ChangeCipherSpec), and renegotiation is off, so epoch 1 is the only one;
/// - the length of an encrypted record: at least the negotiated cipher's explicit nonce and tag
///   (RFC 5288 §3: 8 + 16 for GCM; RFC 7905: 16 for ChaCha20-Poly1305), at most
///   2^14 + 2048 bytes (RFC 5246 §6.2.3);
/// - epoch 1 ChangeCipherSpec: always sent in the epoch before (RFC 6347 §4.1), so never valid;
/// - plaintext handshake records: a consistent fragment header (RFC 6347 §4.2.2).
/// Replay (RFC 6347 §4.1.2.6) is left to OpenSSL's window, which discards silently.
struct DTLSRecordFilter {
    /// Records dropped, by reason.
    struct Counters: Equatable, CustomStringConvertible {
        /// Header, version, content type or length field wrong, or a malformed plaintext record.
        var malformed = 0
        /// An epoch this phase does not accept (epoch 0 after the handshake: unauthenticated).
        var wrongEpoch = 0
        /// Encrypted records shorter than the cipher's nonce and tag, or longer than allowed.
        var badLength = 0
        /// Application data OpenSSL did not deliver: failed authentication, or a replay.
        var unauthenticated = 0

        var total: Int { malformed + wrongEpoch + badLength + unauthenticated }

        var description: String {
            "\(total) (malformed \(malformed), wrong epoch \(wrongEpoch), bad length \(badLength), "
                + "failed authentication or replayed \(unauthenticated))"
        }
    }

    /// Largest encrypted record body (RFC 5246 §6.2.3: TLSCiphertext.length <= 2^14 + 2048).
    static let maximumCiphertext = 16_384 + 2048

    /// True once the handshake is done: epoch 0 is then never accepted.
    var connected = false
    /// Smallest valid encrypted body for the negotiated cipher; nil while it is unknown, when
    /// no encrypted record can be valid yet.
    var minimumCiphertext: Int?
    private(set) var counters = Counters()

    /// Keeps the records of `datagram` that may go to OpenSSL.
    /// - Returns: the datagram itself when every record passes, the passing records joined when
    ///   some do, nil when none does; with the number of application data records kept.
    mutating func filter(_ datagram: [UInt8]) -> (datagram: [UInt8], applicationRecords: Int)? {
        var kept: [Range<Int>] = []
        var dropped = false
        var applicationRecords = 0
        var offset = 0
        while datagram.count - offset >= DTLSRecord.headerLength {
            let length = Int(datagram[offset + 11]) << 8 | Int(datagram[offset + 12])
            let end = offset + DTLSRecord.headerLength + length
            guard end <= datagram.count else { break }
            if let reason = verdict(datagram, record: offset..<end) {
                count(reason)
                dropped = true
            } else {
                kept.append(offset..<end)
                if datagram[offset] == DTLSRecord.applicationData { applicationRecords += 1 }
            }
            offset = end
        }
        if offset < datagram.count {
            counters.malformed += 1  // a record cut off by the end of the datagram
            dropped = true
        }
        if !dropped { return (datagram, applicationRecords) }
        guard !kept.isEmpty else { return nil }
        var out: [UInt8] = []
        for range in kept { out.append(contentsOf: datagram[range]) }
        return (out, applicationRecords)
    }

    /// Counts application data records OpenSSL was given but did not deliver.
    mutating func countUndelivered(_ records: Int) {
        counters.unauthenticated += records
    }

    enum Reason { case malformed, wrongEpoch, badLength }

    private mutating func count(_ reason: Reason) {
        switch reason {
        case .malformed: counters.malformed += 1
        case .wrongEpoch: counters.wrongEpoch += 1
        case .badLength: counters.badLength += 1
        }
    }

    /// Why the record at `range` must not reach OpenSSL, or nil when it may.
    func verdict(_ datagram: [UInt8], record range: Range<Int>) -> Reason? {
        let start = range.lowerBound
        let type = datagram[start]
        let version = UInt16(datagram[start + 1]) << 8 | UInt16(datagram[start + 2])
        let epoch = UInt16(datagram[start + 3]) << 8 | UInt16(datagram[start + 4])
        let body = datagram[(start + DTLSRecord.headerLength)..<range.upperBound]
        guard version == 0xfefd || version == 0xfeff,
              (DTLSRecord.changeCipherSpec...DTLSRecord.applicationData).contains(type), !body.isEmpty
        else { return .malformed }
        switch epoch {
        case 0:
            if connected { return .wrongEpoch }
            return DTLSRecord.isPlausiblePlaintext(type: type, body: body) ? nil : .malformed
        case 1:
            guard let minimumCiphertext else { return .wrongEpoch }
            if type == DTLSRecord.changeCipherSpec { return .wrongEpoch }
            guard body.count >= minimumCiphertext, body.count <= Self.maximumCiphertext else { return .badLength }
            return nil
        default:
            return .wrongEpoch
        }
    }

    /// The smallest encrypted record body `cipher` can produce: explicit nonce plus tag for AEAD
    /// suites, explicit IV plus one block for CBC ones (whose MAC and padding fill at least it).
    static func minimumCiphertext(of cipher: OpaquePointer) -> Int {
        guard SSL_CIPHER_is_aead(cipher) == 1 else { return 32 }
        if SSL_CIPHER_get_cipher_nid(cipher) == NID_chacha20_poly1305 { return 16 }  // RFC 7905 §2
        if let name = SSL_CIPHER_get_name(cipher), String(cString: name).hasSuffix("CCM8") { return 16 }  // RFC 6655
        return 24  // GCM (RFC 5288 §3), CCM (RFC 6655 §3): 8-byte nonce, 16-byte tag
    }
}
