import Foundation

/// The captured and hand-written SDP samples in `Corpus/`.
package enum SDPCorpus {
    static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Corpus")
    }

    /// File names of every `.sdp` sample, sorted.
    package static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".sdp") }.sorted()
    }

    package static func text(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
    }

    /// Canonical samples use CRLF throughout and come back byte-identical.
    package static func isCanonical(_ text: String) -> Bool {
        !text.utf8.enumerated().contains { i, b in b == 10 && (i == 0 || Array(text.utf8)[i - 1] != 13) }
    }
}
