import RTC
import FoundationEssentials
import CZlib

/// `--compact` form of a signaling message: base64url (no padding) of the raw-deflated JSON.
/// Browser SDP is longer than the 4096 characters a tty line holds; this fits copy-paste.
public enum CompactToken {
    public static func encode(_ json: String) -> String {
        let deflated = deflate(Array(json.utf8))
        return Data(deflated).base64EncodedString()
            .replacing("+", with: "-")
            .replacing("/", with: "_")
            .replacing("=", with: "")
    }

    /// - Throws: `SignalingError.malformed` when the token is not base64url of deflated UTF-8.
    public static func decode(_ token: String) throws -> String {
        var b64 = token.replacing("-", with: "+").replacing("_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else {
            throw SignalingError.malformed("input is neither JSON nor a compact token (bad base64url)")
        }
        guard let inflated = inflate(Array(data), limit: 1 << 20),
              let text = String(bytes: inflated, encoding: .utf8)
        else { throw SignalingError.malformed("compact token does not inflate to UTF-8 text") }
        return text
    }

    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        // windowBits -15: raw deflate, no zlib header (shorter token).
        guard rtc_deflateInit2(&stream, Z_BEST_COMPRESSION, -15) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                _ = CZlib.deflate(&stream, Z_FINISH)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output.prefix(produced))
    }

    /// Inflates raw deflate data; nil when corrupt or larger than `limit`.
    static func inflate(_ input: [UInt8], limit: Int) -> [UInt8]? {
        var stream = z_stream()
        guard rtc_inflateInit2(&stream, -15) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var input = input
        var result = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16384)
        return input.withUnsafeMutableBufferPointer { inBuf -> [UInt8]? in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let (rc, got): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (rc, outBuf.count - Int(stream.avail_out))
                }
                result.append(contentsOf: chunk.prefix(got))
                if result.count > limit { return nil }
                if rc == Z_STREAM_END { return result }
                if rc != Z_OK || (got == 0 && stream.avail_in == 0) { return nil }
            }
        }
    }
}
