/// The character rules of ICE values in SDP (RFC 8839 §5.1, §5.4).
enum ICEText {
    /// `ice-char = ALPHA / DIGIT / "+" / "/"`, at least one.
    static func isIceChars(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { b in
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2F
        }
    }

    /// `ufrag = 4*256ice-char` (RFC 8839 §5.4). Longer values would also make every STUN check
    /// carry them in USERNAME, which RFC 8489 §14.3 caps at 513 bytes.
    static func checkUfrag(_ s: Substring) throws {
        guard (4...256).contains(s.utf8.count), isIceChars(s) else {
            throw SDPValueError("ice-ufrag must be 4 to 256 ice-chars (letters, digits, + and /)")
        }
    }

    /// `password = 22*256ice-char` (RFC 8839 §5.4).
    static func checkPassword(_ s: Substring) throws {
        guard (22...256).contains(s.utf8.count), isIceChars(s) else {
            throw SDPValueError("ice-pwd must be 22 to 256 ice-chars (letters, digits, + and /)")
        }
    }

    /// RFC 8866 §9 `token`: the characters of `a=mid` (RFC 5888 §4) and `a=setup` values.
    static func checkToken(_ s: Substring, _ what: String) throws {
        let ok = !s.isEmpty && s.utf8.count <= 256 && s.utf8.allSatisfy { b in
            switch b {
            case 0x21, 0x23...0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x30...0x39, 0x41...0x5A, 0x5E...0x7E: return true
            default: return false
            }
        }
        guard ok else { throw SDPValueError("\(what) must be 1 to 256 token characters") }
    }
}
