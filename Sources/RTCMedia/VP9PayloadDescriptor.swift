import RTCCore

/// The VP9 payload descriptor (RFC 9628 §4.2), in flexible (F=1) or non-flexible (F=0) mode.
///
///          0 1 2 3 4 5 6 7
///         |I|P|L|F|B|E|V|Z| (REQUIRED)
///     I:  |M| PICTURE ID  | (7 or 15 bits)
///     L:  | TID |U| SID |D| (and TL0PICIDX when F=0)
///     P,F:| P_DIFF      |N| (up to 3 times)
///     V:  | SS            | scalability structure (§4.2.1)
public struct VP9PayloadDescriptor: Equatable, Sendable {
    /// P: inter-picture predicted; 0 on a key frame's base layer.
    public var isInterPredicted: Bool
    /// F: flexible mode (reference indices in P_DIFF) rather than a picture group in the SS.
    public var isFlexible: Bool
    /// B: the packet starts a layer frame.
    public var isStartOfFrame: Bool
    /// E: the packet ends a layer frame.
    public var isEndOfFrame: Bool
    /// Z: not used for inter-layer prediction of a higher spatial layer.
    public var isNotReferenceForUpperLayer: Bool
    /// The picture ID (7 or 15 bits), when present.
    public var pictureID: UInt16?
    public var hasLongPictureID: Bool
    /// Layer indices (L=1).
    public var layer: Layer?
    /// P_DIFF values (flexible mode with P=1).
    public var referenceDiffs: [UInt8]
    /// The scalability structure (V=1).
    public var scalability: ScalabilityStructure?

    /// TID, U, SID, D and (non-flexible mode) TL0PICIDX.
    public struct Layer: Equatable, Sendable {
        public var temporalID: UInt8
        public var isSwitchingUp: Bool
        public var spatialID: UInt8
        public var isInterLayerDependent: Bool
        public var tl0PictureIndex: UInt8?

        public init(
            temporalID: UInt8 = 0, isSwitchingUp: Bool = false, spatialID: UInt8 = 0,
            isInterLayerDependent: Bool = false, tl0PictureIndex: UInt8? = nil
        ) {
            self.temporalID = temporalID
            self.isSwitchingUp = isSwitchingUp
            self.spatialID = spatialID
            self.isInterLayerDependent = isInterLayerDependent
            self.tl0PictureIndex = tl0PictureIndex
        }
    }

    /// The SS (RFC 9628 §4.2.1): resolutions per spatial layer and the picture group.
    public struct ScalabilityStructure: Equatable, Sendable {
        /// N_S + 1 spatial layers.
        public var spatialLayers: Int
        /// Width and height per spatial layer (Y=1), empty otherwise.
        public var resolutions: [Resolution]
        /// The picture group (G=1), nil when absent.
        public var pictureGroup: [GroupPicture]?

        public struct Resolution: Equatable, Sendable {
            public var width: UInt16
            public var height: UInt16
            public init(width: UInt16, height: UInt16) {
                self.width = width
                self.height = height
            }
        }

        public struct GroupPicture: Equatable, Sendable {
            public var temporalID: UInt8
            public var isSwitchingUp: Bool
            public var referenceDiffs: [UInt8]
            public init(temporalID: UInt8, isSwitchingUp: Bool, referenceDiffs: [UInt8]) {
                self.temporalID = temporalID
                self.isSwitchingUp = isSwitchingUp
                self.referenceDiffs = referenceDiffs
            }
        }

        public init(spatialLayers: Int, resolutions: [Resolution] = [], pictureGroup: [GroupPicture]? = nil) {
            self.spatialLayers = spatialLayers
            self.resolutions = resolutions
            self.pictureGroup = pictureGroup
        }
    }

    public init(
        isInterPredicted: Bool, isFlexible: Bool = false, isStartOfFrame: Bool, isEndOfFrame: Bool,
        isNotReferenceForUpperLayer: Bool = false, pictureID: UInt16? = nil, hasLongPictureID: Bool = true,
        layer: Layer? = nil, referenceDiffs: [UInt8] = [], scalability: ScalabilityStructure? = nil
    ) {
        self.isInterPredicted = isInterPredicted
        self.isFlexible = isFlexible
        self.isStartOfFrame = isStartOfFrame
        self.isEndOfFrame = isEndOfFrame
        self.isNotReferenceForUpperLayer = isNotReferenceForUpperLayer
        self.pictureID = pictureID
        self.hasLongPictureID = hasLongPictureID
        self.layer = layer
        self.referenceDiffs = referenceDiffs
        self.scalability = scalability
    }

    /// True when this packet starts a key frame's base layer: B=1, P=0 and spatial layer 0.
    public var startsKeyframe: Bool { isStartOfFrame && !isInterPredicted && (layer?.spatialID ?? 0) == 0 }

    /// Parses the descriptor at the start of `payload`.
    /// - Returns: the descriptor and its length, or nil when `payload` is too short.
    public static func parse(_ payload: [UInt8]) -> (VP9PayloadDescriptor, length: Int)? {
        var r = ByteReader(payload)
        guard let b0 = r.readUInt8() else { return nil }
        var d = VP9PayloadDescriptor(
            isInterPredicted: b0 & 0x40 != 0, isFlexible: b0 & 0x10 != 0, isStartOfFrame: b0 & 0x08 != 0,
            isEndOfFrame: b0 & 0x04 != 0, isNotReferenceForUpperLayer: b0 & 0x01 != 0, hasLongPictureID: false)
        if b0 & 0x80 != 0 {
            guard let (id, isLong) = PayloadPictureID.read(&r) else { return nil }
            d.pictureID = id
            d.hasLongPictureID = isLong
        }
        if b0 & 0x20 != 0 {
            guard let l = r.readUInt8() else { return nil }
            var layer = Layer(
                temporalID: l >> 5, isSwitchingUp: l & 0x10 != 0, spatialID: l >> 1 & 0x07,
                isInterLayerDependent: l & 0x01 != 0)
            if !d.isFlexible {
                guard let t = r.readUInt8() else { return nil }
                layer.tl0PictureIndex = t
            }
            d.layer = layer
        }
        if d.isFlexible && d.isInterPredicted {
            while d.referenceDiffs.count < 3 {
                guard let p = r.readUInt8() else { return nil }
                d.referenceDiffs.append(p >> 1)
                if p & 0x01 == 0 { break }
            }
        }
        if b0 & 0x02 != 0 {
            guard let ss = parseScalability(&r) else { return nil }
            d.scalability = ss
        }
        return (d, r.offset)
    }

    private static func parseScalability(_ r: inout ByteReader) -> ScalabilityStructure? {
        guard let b = r.readUInt8() else { return nil }
        var ss = ScalabilityStructure(spatialLayers: Int(b >> 5) + 1)
        if b & 0x10 != 0 {
            for _ in 0..<ss.spatialLayers {
                guard let w = r.readUInt16(), let h = r.readUInt16() else { return nil }
                ss.resolutions.append(.init(width: w, height: h))
            }
        }
        if b & 0x08 != 0 {
            guard let n = r.readUInt8() else { return nil }
            var group: [ScalabilityStructure.GroupPicture] = []
            for _ in 0..<n {
                guard let g = r.readUInt8() else { return nil }
                var diffs: [UInt8] = []
                for _ in 0..<Int(g >> 2 & 0x03) {
                    guard let p = r.readUInt8() else { return nil }
                    diffs.append(p)
                }
                group.append(.init(temporalID: g >> 5, isSwitchingUp: g & 0x10 != 0, referenceDiffs: diffs))
            }
            ss.pictureGroup = group
        }
        return ss
    }

    /// The wire form.
    public func serialized() -> [UInt8] {
        var b0: UInt8 = 0
        if pictureID != nil { b0 |= 0x80 }
        if isInterPredicted { b0 |= 0x40 }
        if layer != nil { b0 |= 0x20 }
        if isFlexible { b0 |= 0x10 }
        if isStartOfFrame { b0 |= 0x08 }
        if isEndOfFrame { b0 |= 0x04 }
        if scalability != nil { b0 |= 0x02 }
        if isNotReferenceForUpperLayer { b0 |= 0x01 }
        var out = [b0]
        if let id = pictureID {
            if hasLongPictureID {
                out += [0x80 | UInt8(id >> 8 & 0x7F), UInt8(id & 0xFF)]
            } else {
                out.append(UInt8(id & 0x7F))
            }
        }
        if let l = layer {
            out.append(
                (l.temporalID & 0x07) << 5 | (l.isSwitchingUp ? 0x10 : 0) | (l.spatialID & 0x07) << 1
                    | (l.isInterLayerDependent ? 0x01 : 0))
            if !isFlexible { out.append(l.tl0PictureIndex ?? 0) }
        }
        if isFlexible && isInterPredicted {
            for (i, diff) in referenceDiffs.prefix(3).enumerated() {
                out.append(diff << 1 | (i < min(referenceDiffs.count, 3) - 1 ? 1 : 0))
            }
        }
        if let ss = scalability {
            out.append(
                UInt8((ss.spatialLayers - 1) & 0x07) << 5 | (ss.resolutions.isEmpty ? 0 : 0x10)
                    | (ss.pictureGroup == nil ? 0 : 0x08))
            for res in ss.resolutions {
                out += [
                    UInt8(res.width >> 8), UInt8(res.width & 0xFF), UInt8(res.height >> 8), UInt8(res.height & 0xFF),
                ]
            }
            if let group = ss.pictureGroup {
                out.append(UInt8(group.count & 0xFF))
                for g in group {
                    out.append(
                        (g.temporalID & 0x07) << 5 | (g.isSwitchingUp ? 0x10 : 0) | UInt8(g.referenceDiffs.count & 3)
                            << 2)
                    out += g.referenceDiffs.prefix(3)
                }
            }
        }
        return out
    }
}
