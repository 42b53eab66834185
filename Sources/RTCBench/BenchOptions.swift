import RTC

/// What `rtc bench` measures and how: the data-channel bench (`BenchProcess.run`) and the
/// media bench (`MediaBench.run`) read only the fields that concern them.
public struct BenchOptions {
    /// 1: both peers in this process; 2: a child process (`rtc bench --serve`) receives.
    public var processes = 1
    /// Message sizes of the throughput cases.
    public var sizes: [Int] = [1024, 16384, 65536, 262_144]
    /// Bytes to send per throughput case.
    public var bytes = 256 << 20
    /// Longest a throughput case (or a media run) may send, in seconds.
    public var duration = 1.5
    public var rttCount = 2000
    public var rttSize = 100
    /// Ping-pong on its own channel while the throughput cases send (`rtt_loaded_us`). Off on a
    /// plain loopback run: there a ping every 10 ms beside a bulk channel cost ~20 MiB of peak
    /// RSS and up to 20% of the cases' throughput (usrsctp's, before and after issue 15's
    /// changes alike), which would hide what the stack does.
    public var loadedRTT = false
    public var setupRuns = 5
    /// The loopback address the peers (and the child) run on.
    public var iceHost = "127.0.0.1"
    /// One-way delay in ms and loss in % inside the stack, passed on to the child process.
    public var delay = 0.0
    public var loss = 0.0
    /// The peers' configuration (this process's side).
    public var configuration = PeerConnection.Configuration()

    /// Media: packets per second per run ("max": as fast as the relay forwards).
    public var rates: [String] = MediaBench.defaultRates
    public var payloadSize = 1200
    /// Media: measure this shell command instead of two rtc processes ({in}/{out}: the ports).
    public var relayCommand: String?
    /// Media: the rtc executable to run as offer and answer (nil: this one).
    public var rtcBinary: String?

    public init() {}
}

/// A bench that could not run; the message is one line.
public struct BenchError: Error, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// `x` rounded to three decimals, as the reports print figures.
func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
