/// RFC 8285 header extension elements inside `RTPPacket.HeaderExtension`: the one-byte form
/// (profile 0xBEDE, §4.2) and the two-byte form (profile 0x100 followed by 4 "appbits", §4.3).
extension RTPPacket.HeaderExtension {
    /// The one-byte form's profile (RFC 8285 §4.2).
    static let oneByteProfile: UInt16 = 0xBEDE
    /// The two-byte form's profile with zero appbits (RFC 8285 §4.3).
    static let twoByteProfile: UInt16 = 0x1000

    /// One extension element: the negotiated local id (`a=extmap`) and its data.
    struct Element: Equatable, Sendable {
        var id: UInt8
        var data: [UInt8]

        init(id: UInt8, data: [UInt8]) {
            self.id = id
            self.data = data
        }
    }

    var isOneByte: Bool { profile == Self.oneByteProfile }
    var isTwoByte: Bool { profile & 0xFFF0 == Self.twoByteProfile }

    /// Builds an extension holding `elements`: the one-byte form when every id is 1–14 and every
    /// element 1–16 bytes long, the two-byte form otherwise (RFC 8285 §4.1.1), zero-padded to words.
    /// - Throws: `RTPError.malformed` for id 0, or data no form can carry (over 255 bytes).
    init(elements: [Element], appBits: UInt8 = 0) throws(RTPError) {
        let oneByte = elements.allSatisfy { (1...14).contains($0.id) && (1...16).contains($0.data.count) }
        var body: [UInt8] = []
        for e in elements {
            guard e.id != 0 else { throw .malformed("header extension id 0 is reserved for padding (RFC 8285 §4.2)") }
            if oneByte {
                body.append(e.id << 4 | UInt8(e.data.count - 1))
            } else {
                guard e.data.count <= 255 else {
                    throw .malformed("header extension element \(e.id) of \(e.data.count) bytes exceeds 255")
                }
                body.append(e.id)
                body.append(UInt8(e.data.count))
            }
            body.append(contentsOf: e.data)
        }
        body.append(contentsOf: [UInt8](repeating: 0, count: (4 - body.count % 4) % 4))
        self.init(profile: oneByte ? Self.oneByteProfile : Self.twoByteProfile | UInt16(appBits & 0x0F), data: body)
    }

    /// The elements in order; padding bytes are skipped, and in the one-byte form parsing stops
    /// at id 15 as RFC 8285 §4.2 requires.
    /// - Throws: `RTPError.malformed` for a profile that is not RFC 8285, `.truncated` when an
    ///   element runs past the end.
    func elements() throws(RTPError) -> [Element] {
        var out: [Element] = []
        var i = 0
        if isOneByte {
            while i < data.count {
                let id = data[i] >> 4
                let length = Int(data[i] & 0x0F) + 1
                if id == 0 {  // a padding byte
                    i += 1
                    continue
                }
                if id == 15 { break }
                guard i + 1 + length <= data.count else {
                    throw .truncated("one-byte header extension element \(id) at byte \(i)")
                }
                out.append(Element(id: id, data: Array(data[i + 1..<i + 1 + length])))
                i += 1 + length
            }
        } else if isTwoByte {
            while i < data.count {
                let id = data[i]
                if id == 0 {
                    i += 1
                    continue
                }
                guard i + 2 <= data.count, i + 2 + Int(data[i + 1]) <= data.count else {
                    throw .truncated("two-byte header extension element \(id) at byte \(i)")
                }
                let length = Int(data[i + 1])
                out.append(Element(id: id, data: Array(data[i + 2..<i + 2 + length])))
                i += 2 + length
            }
        } else {
            throw .malformed("header extension profile 0x\(String(profile, radix: 16)) is not RFC 8285")
        }
        return out
    }

    /// The data of the first element with `id`, or nil when absent or unparsable.
    func element(id: UInt8) -> [UInt8]? {
        guard let all = try? elements() else { return nil }
        return all.first { $0.id == id }?.data
    }

    /// A copy with element `id` set to `data` (replaced in place or appended), rebuilt in the
    /// smallest form that carries every element (two-byte keeps this extension's appbits).
    /// - Throws: `RTPError` when this extension does not parse or `id`/`data` fit no form.
    func setting(id: UInt8, data: [UInt8]) throws(RTPError) -> Self {
        var all = try elements()
        if let i = all.firstIndex(where: { $0.id == id }) {
            all[i].data = data
            all = all.enumerated().filter { $0.offset <= i || $0.element.id != id }.map(\.element)  // later duplicates
        } else {
            all.append(Element(id: id, data: data))
        }
        return try Self(elements: all, appBits: isTwoByte ? UInt8(profile & 0x0F) : 0)
    }

    /// A copy without element `id`.
    /// - Throws: `RTPError` when this extension does not parse.
    func removing(id: UInt8) throws(RTPError) -> Self {
        try Self(elements: elements().filter { $0.id != id }, appBits: isTwoByte ? UInt8(profile & 0x0F) : 0)
    }
}

extension RTPPacket {
    /// The data of header extension element `id` (RFC 8285), nil when absent.
    func extensionElement(id: UInt8) -> [UInt8]? {
        headerExtension?.element(id: id)
    }

    /// Sets header extension element `id`, adding the extension when the packet has none.
    /// - Throws: `RTPError` when the present extension is not RFC 8285 or `id`/`data` fit no form.
    mutating func setExtensionElement(id: UInt8, data: [UInt8]) throws(RTPError) {
        if let e = headerExtension {
            headerExtension = try e.setting(id: id, data: data)
        } else {
            headerExtension = try HeaderExtension(elements: [.init(id: id, data: data)])
        }
    }

    /// Removes header extension element `id`, and the extension when nothing is left in it.
    /// - Throws: `RTPError` when the present extension is not RFC 8285.
    mutating func removeExtensionElement(id: UInt8) throws(RTPError) {
        guard let e = headerExtension else { return }
        let rest = try e.removing(id: id)
        headerExtension = try rest.elements().isEmpty ? nil : rest
    }
}
