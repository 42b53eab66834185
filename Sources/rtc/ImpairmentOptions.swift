import ArgumentParser
import RTC

/// `--delay` and `--loss`: an impairment stage inside rtc (`ImpairedTransport`) holds or drops
/// what a peer receives, to try a long or lossy path without root.
struct ImpairmentOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Emulate a long path: hold every packet this peer receives for MS milliseconds (with both peers delayed, the round trip grows by twice MS).",
        valueName: "MS"))
    var delay: Double = 0

    @Option(help: ArgumentHelp("Emulate a lossy path: drop PCT percent of the packets this peer receives.",
                               valueName: "PCT"))
    var loss: Double = 0

    func validate() throws {
        guard delay >= 0 && delay <= 10_000, loss >= 0 && loss < 100 else {
            throw ValidationError("--delay is 0...10000 ms and --loss 0...<100 %")
        }
    }

    /// What `PeerConnection.Configuration.impairment` takes; nil when neither option is set.
    var impairment: ImpairedTransport.Impairment? {
        guard delay > 0 || loss > 0 else { return nil }
        return .init(delay: .microseconds(Int64(delay * 1000)), loss: loss / 100)
    }
}
