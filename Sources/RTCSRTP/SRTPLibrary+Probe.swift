import RTCCore

extension Libraries {
    /// libsrtp's version, or nil when libsrtp2 cannot be loaded (it is opened on first use, see
    /// `SRTPLibrary`).
    public static var srtpVersion: String? { SRTPLibrary.version }

    /// Initializes libsrtp (once per process); true on success. Idempotent.
    public static func initSRTP() -> Bool {
        if case .success = SRTPLibrary.initialized { return true }
        return false
    }
}
