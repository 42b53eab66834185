import RTC

/// One data channel a session opens: a label and its options, written
/// `LABEL[,unordered][,max-retransmits=N][,max-packet-lifetime=MS][,protocol=P][,id=N]`
/// (the label is everything before the first comma; `id=N` negotiates it out of band), as
/// `rtc`'s `--open` takes it.
public struct ChannelSpec: Equatable, Sendable {
    public var label: String
    public var options: DataChannelInit

    public init(label: String, options: DataChannelInit = DataChannelInit()) {
        self.label = label
        self.options = options
    }

    /// Parses the written form; nil when an option is unknown or malformed.
    public init?(_ argument: String) {
        var parts = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        label = parts.removeFirst()
        options = DataChannelInit()
        guard label.utf8.count <= 65535 else { return nil }
        for part in parts {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            switch (kv[0], kv.count == 2 ? kv[1] : nil) {
            case ("unordered", nil): options.ordered = false
            case ("ordered", nil): options.ordered = true
            case let ("max-retransmits", n?):
                guard let v = UInt16(n) else { return nil }
                options.maxRetransmits = v
            case let ("max-packet-lifetime", ms?):
                guard let v = UInt16(ms) else { return nil }
                options.maxPacketLifeTime = v
            case let ("protocol", p?): options.protocol = p
            case let ("id", n?):
                guard let v = UInt16(n) else { return nil }
                options.negotiated = true
                options.id = v
            default: return nil
            }
        }
        if options.maxRetransmits != nil && options.maxPacketLifeTime != nil { return nil }
    }
}
