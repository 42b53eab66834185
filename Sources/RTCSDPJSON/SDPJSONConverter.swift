import FoundationEssentials
import RTCCore
import RTCSDP

/// SDP ⇄ structured JSON (sdp-transform's field names), the conversion behind `rtc sdp-parse`:
/// detects raw SDP, one JSON document or JSON lines, and converts each to the requested form.
public struct SDPJSONConverter: Sendable {
    /// Convert structured JSON to SDP instead of SDP to JSON.
    public let toSDP: Bool
    /// Caps on each SDP read or written.
    public var limits: SDPLimits

    public init(toSDP: Bool, limits: SDPLimits = .standard) {
        self.toSDP = toSDP
        self.limits = limits
    }

    /// Converts all of `input`, writing each output (a JSON line, or SDP text) through `emit`.
    /// - Throws: `SDPJSONError`, naming the input line and the SDP line.
    public func convert(_ input: String, emit: (String) -> Void) throws {
        let trimmed = input.drop { $0.isWhitespace }
        guard trimmed.first == "{" else {
            if toSDP { throw SDPJSONError.expectedJSON }
            emit(try jsonLine(for: parseSDP(input, where: ""), type: nil) + "\n")
            return
        }
        // One JSON document (possibly pretty-printed), else newline-delimited JSON.
        if let object = JSONValue.parseObject(input) {
            emit(try convertObject(object, where: ""))
            return
        }
        var lineNumber = 0
        for line in input.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { $0 != " " && $0 != "\r" && $0 != "\t" }) else { continue }
            let place = "input line \(lineNumber): "
            let object: [String: JSONValue]
            do {
                guard case let .object(o) = try JSONValue.parse(line) else { throw SDPJSONError.expectedJSON }
                object = o
            } catch let e as JSONParseError {
                throw SDPJSONError.invalid("\(place)\(e)")
            } catch {
                throw SDPJSONError.invalid("\(place)invalid JSON")
            }
            emit(try convertObject(object, where: place))
        }
    }

    private func convertObject(_ object: [String: JSONValue], where place: String) throws -> String {
        let type = object["type"]?.stringValue
        if toSDP {
            guard object["origin"] != nil || object["media"] != nil else { return passThrough(object) }
            let description: SessionDescription
            do {
                let data = try JSONEncoder().encode(JSONValue.object(object))
                description = try JSONDecoder().decode(SessionDescription.self, from: data)
            } catch {
                throw SDPJSONError.invalid("\(place)not a structured session description: \(Self.reason(error))")
            }
            let sdp: String
            do {
                // A CR or LF in a JSON string would split its line and inject others (an m= section).
                sdp = try description.serializeChecked()
            } catch let e as SDPError {
                throw SDPJSONError.invalid("\(place)\(e)")
            }
            _ = try parseSDP(sdp, where: place)  // refuse to emit SDP we would not read back
            guard let type else { return sdp }
            return JSONValue.object(["type": .string(type), "sdp": .string(sdp)]).jsonText + "\n"
        }
        guard let sdp = object["sdp"]?.stringValue else { return passThrough(object) }
        return try jsonLine(for: parseSDP(sdp, where: place), type: type) + "\n"
    }

    private func parseSDP(_ text: String, where place: String) throws -> SessionDescription {
        do {
            return try SessionDescription.parse(text, limits: limits)
        } catch let e as SDPError {
            throw SDPJSONError.invalid("\(place)\(e)")
        }
    }

    /// Foundation's text, from `CompactJSONEncoder` (Foundation's encoder took ~60 bytes of
    /// memory per byte of SDP).
    private func jsonLine(for description: SessionDescription, type: String?) throws -> String {
        let encoder = CompactJSONEncoder()
        var bytes = try encoder.encode(description)
        if let type {
            // Prepend "type" to the object: {"type":"offer",...}.
            let prefix = try encoder.encode(["type": type])
            bytes = Array(prefix.dropLast()) + Array(",".utf8) + bytes.dropFirst()
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func passThrough(_ object: [String: JSONValue]) -> String {
        JSONValue.object(object).jsonText + "\n"
    }

    private static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing \(Self.path(ctx.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx),
             DecodingError.dataCorrupted(let ctx):
            return "bad value at \(Self.path(ctx.codingPath))"
        default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
    }
}
