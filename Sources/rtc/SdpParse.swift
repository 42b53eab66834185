import ArgumentParser
import RTC

struct SdpParse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse SDP into structured JSON, or turn that JSON back into SDP."
    )

    func run() throws {
        throw CLIError(.failure, "sdp-parse: not implemented yet")
    }
}
