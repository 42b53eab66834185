import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import RTC

/// `rtc sdp-parse`: SDP text or session-description JSON in, the structured JSON form out
/// (and back with `--to-sdp`).
struct SdpParse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse SDP into structured JSON, or turn that JSON back into SDP.",
        discussion: """
            Input is raw SDP (CRLF or LF line ends), a session description \
            {"type":"offer","sdp":"v=0..."}, or a stream of such JSON objects, one a line \
            (so `rtc offer | rtc sdp-parse` works). Output is one JSON object a line per input \
            object; other JSON lines (candidates, events) pass through unchanged. When the input \
            was a session description, the output carries its "type" too.

            With --to-sdp the structured JSON goes back to SDP: raw SDP text for an object \
            without "type", or {"type","sdp"} JSON lines otherwise. Round trip is exact.

            Fields follow sdp-transform's names; optional ones appear only when present. \
            Session: version, origin{username,sessionId,sessionVersion,netType,ipVer,address}, \
            name, description (i=), uri, emails[], phones[], connection{version,ip}, \
            bandwidth[{type,limit}], timing{start,stop,repeats[]}, additionalTimings[], \
            timezones (z=), key (k=), media[].

            Media: type, port, numPorts, protocol, payloads (a string), description, \
            connection, bandwidth, key.

            Attributes, at session or media level: groups[{type,mids}], \
            msidSemantic{semantic,token}, extmapAllowMixed, icelite, iceUfrag, icePwd, \
            iceOptions, fingerprint{type,hash}, setup, mid, direction \
            (sendrecv|sendonly|recvonly|inactive), msid, rtcp{port,netType,ipVer,address}, \
            rtcpMux, rtcpRsize, rtp[{payload,codec,rate,encoding}], \
            fmtp[{payload,config,parameters{}}] (config is authoritative), \
            rtcpFb[{payload,type,subtype}], ext[{value,direction,encrypt-uri,uri,config}], \
            ssrcs[{id,attribute,value}], ssrcGroups[{semantics,ssrcs}], \
            rids[{id,direction,params}], simulcast{dir1,list1,dir2,list2}, \
            candidates[{foundation,component,transport,priority,ip,port,type,raddr,rport, \
            tcptype,generation,ufrag,network-id,network-cost,extensions[{key,value}]}], \
            endOfCandidates, ptime, maxptime, framerate, sctpPort, maxMessageSize, \
            sctpmap{sctpmapNumber,app,maxMessageSize}.

            invalid[{value}] keeps unknown attributes, and repeats of single-valued ones \
            (such as a second fingerprint), verbatim. attributeOrder lists the field of each \
            a= line in order. An object whose SDP text is not in canonical form keeps that \
            text as "raw".

            Errors name the line: "line N: reason: "text"" on stderr, exit status 65.
            """
    )

    @Argument(help: "SDP or JSON file; - or nothing for stdin.")
    var file: String?

    @Flag(name: .customLong("to-sdp"), help: "Turn the structured JSON back into SDP.")
    var toSDP = false

    @Option(name: .customLong("benchmark"), help: .hidden)
    var benchmarkRuns: Int?

    func run() throws {
        do {
            let input = try readInput()
            if let runs = benchmarkRuns {
                try SdpParse.benchmark(input, runs: runs)
                return
            }
            let converter = SdpConverter(toSDP: toSDP)
            try converter.convert(input) { writeToStandardOutput($0) }
        } catch let e as CLIError {
            // ArgumentParser would exit 1 for a non-ExitCode error; our errors carry their own status.
            e.exit()
        } catch {
            CLIError(.failure, "sdp-parse: \(error)").exit()
        }
    }

    private func readInput() throws -> String {
        var fd: Int32 = 0
        if let file, file != "-" {
            fd = open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CLIError(.dataError, "sdp-parse: cannot read \(file)") }
        }
        defer { if fd != 0 { close(fd) } }
        guard let bytes = readAll(fd) else {
            throw CLIError(.dataError, "sdp-parse: cannot read \(file ?? "stdin"): \(String(cString: strerror(errno)))")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `input` `runs` times and prints the mean time to stderr (release-build measurements).
    private static func benchmark(_ input: String, runs: Int) throws {
        let lines = input.utf8.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<max(1, runs) {
            do { _ = try SessionDescription.parse(input) } catch {
                throw CLIError(.dataError, "sdp-parse: \(error)")
            }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(max(1, runs))
        printError("sdp-parse: \(lines) lines parsed in \(formatted("%.3f", ms)) ms (mean of \(max(1, runs)) runs)")
    }
}
