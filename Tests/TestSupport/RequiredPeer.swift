import Foundation

/// Real peers (coturn, aiortc, Chromium) are required: a test whose peer is missing fails with
/// the reason, it does not skip and let the run say "passed". The one way out is explicit:
/// `RTC_SKIP_INTEROP=1` (as `Scripts/test` documents) disables the tests that need the Python
/// peers, and `RTC_SKIP_COTURN=1` those that need coturn.
public enum RequiredPeer {
    /// False only when the user opted out of the Python (aiortc/Chromium) peers.
    public static var pythonPeersWanted: Bool { ProcessInfo.processInfo.environment["RTC_SKIP_INTEROP"] != "1" }

    /// False only when the user opted out of coturn.
    public static var coturnWanted: Bool { ProcessInfo.processInfo.environment["RTC_SKIP_COTURN"] != "1" }
}
