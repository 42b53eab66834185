import RTCCore

/// The VP8 payload descriptor that begins every VP8 RTP payload (RFC 7741 §4.2).
///
///          0 1 2 3 4 5 6 7
///         |X|R|N|S|R| PID | (REQUIRED)
///     X:  |I|L|T|K| RSV   | (OPTIONAL)
///     I:  |M| PictureID   | (OPTIONAL, 7 or 15 bits)
///     L:  |   TL0PICIDX   | (OPTIONAL)
///     T/K:|TID|Y| KEYIDX  | (OPTIONAL)
public struct VP8PayloadDescriptor: Equatable, Sendable {
    /// N: the frame can be discarded without affecting others.
    public var isNonReference: Bool
    /// S: the payload starts a VP8 partition.
    public var isStartOfPartition: Bool
    /// PID: the partition index.
    public var partitionIndex: UInt8
    /// The picture ID, 7 or 15 bits (M bit), when present.
    public var pictureID: UInt16?
    /// Whether the picture ID is written in 15 bits.
    public var hasLongPictureID: Bool
    /// TL0PICIDX, when present.
    public var tl0PictureIndex: UInt8?
    /// TID, when T is set.
    public var temporalLayer: UInt8?
    /// Y: layer sync, meaningful with TID.
    public var isLayerSync: Bool
    /// KEYIDX, when K is set.
    public var keyIndex: UInt8?

    /// A descriptor; the optional fields are written when non-nil.
    public init(
        isNonReference: Bool = false, isStartOfPartition: Bool, partitionIndex: UInt8 = 0,
        pictureID: UInt16? = nil, hasLongPictureID: Bool = true, tl0PictureIndex: UInt8? = nil,
        temporalLayer: UInt8? = nil, isLayerSync: Bool = false, keyIndex: UInt8? = nil
    ) {
        self.isNonReference = isNonReference
        self.isStartOfPartition = isStartOfPartition
        self.partitionIndex = partitionIndex
        self.pictureID = pictureID
        self.hasLongPictureID = hasLongPictureID
        self.tl0PictureIndex = tl0PictureIndex
        self.temporalLayer = temporalLayer
        self.isLayerSync = isLayerSync
        self.keyIndex = keyIndex
    }

    /// True for the first packet of a frame: S set and partition 0 (RFC 7741 §4.2).
    public var isStartOfFrame: Bool { isStartOfPartition && partitionIndex == 0 }

    /// Parses the descriptor at the start of `payload`.
    /// - Returns: the descriptor and its length in bytes, or nil when `payload` is too short.
    public static func parse(_ payload: [UInt8]) -> (VP8PayloadDescriptor, length: Int)? {
        var r = ByteReader(payload)
        guard let b0 = r.readUInt8() else { return nil }
        var d = VP8PayloadDescriptor(
            isNonReference: b0 & 0x20 != 0, isStartOfPartition: b0 & 0x10 != 0, partitionIndex: b0 & 0x07)
        d.hasLongPictureID = false
        if b0 & 0x80 != 0 {
            guard let x = r.readUInt8() else { return nil }
            if x & 0x80 != 0 {
                guard let (id, isLong) = PayloadPictureID.read(&r) else { return nil }
                d.pictureID = id
                d.hasLongPictureID = isLong
            }
            if x & 0x40 != 0 {
                guard let l = r.readUInt8() else { return nil }
                d.tl0PictureIndex = l
            }
            if x & 0x30 != 0 {
                guard let tk = r.readUInt8() else { return nil }
                if x & 0x20 != 0 {
                    d.temporalLayer = tk >> 6
                    d.isLayerSync = tk & 0x20 != 0
                }
                if x & 0x10 != 0 { d.keyIndex = tk & 0x1F }
            }
        }
        return (d, r.offset)
    }

    /// The wire form.
    public func serialized() -> [UInt8] {
        var x: UInt8 = 0
        if pictureID != nil { x |= 0x80 }
        if tl0PictureIndex != nil { x |= 0x40 }
        if temporalLayer != nil { x |= 0x20 }
        if keyIndex != nil { x |= 0x10 }
        var out: [UInt8] = [
            (x != 0 ? 0x80 : 0) | (isNonReference ? 0x20 : 0) | (isStartOfPartition ? 0x10 : 0)
                | (partitionIndex & 0x07)
        ]
        guard x != 0 else { return out }
        out.append(x)
        if let id = pictureID {
            if hasLongPictureID {
                out += [0x80 | UInt8(id >> 8 & 0x7F), UInt8(id & 0xFF)]
            } else {
                out.append(UInt8(id & 0x7F))
            }
        }
        if let l = tl0PictureIndex { out.append(l) }
        if temporalLayer != nil || keyIndex != nil {
            out.append((temporalLayer ?? 0) << 6 | (isLayerSync ? 0x20 : 0) | (keyIndex ?? 0) & 0x1F)
        }
        return out
    }
}
