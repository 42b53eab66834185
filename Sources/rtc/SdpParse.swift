import ArgumentParser
import RTC
import RTCSDPJSON

/// `rtc sdp-parse`: SDP text or session-description JSON in, the structured JSON form out
/// (and back with `--to-sdp`).
struct SdpParse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdp-parse",
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

            Limits (exit status 65 naming the limit when exceeded): input and each SDP at most \
            --max-size bytes (1 MiB), each SDP at most --max-lines lines (20,000), 64 media \
            sections and 1,000 candidates; JSON nested at most 64 deep. SDP text and JSON strings \
            must be valid UTF-8, and no SDP field may contain CR, LF or NUL.
            """
    )

    @Argument(help: "SDP or JSON file; - or nothing for stdin.")
    var file: String?

    @Flag(name: .customLong("to-sdp"), help: "Turn the structured JSON back into SDP.")
    var toSDP = false

    @Option(name: .customLong("max-size"), help: ArgumentHelp(
        "Largest input, and largest SDP, accepted in bytes.", valueName: "BYTES"))
    var maxSize = SDPLimits.standard.maxBytes

    @Option(name: .customLong("max-lines"), help: ArgumentHelp(
        "Most lines accepted in one SDP.", valueName: "N"))
    var maxLines = SDPLimits.standard.maxLines

    @Option(name: .customLong("benchmark"), help: .hidden)
    var benchmarkRuns: Int?

    func validate() throws {
        if maxSize < 1 || maxLines < 1 { throw ValidationError("--max-size and --max-lines must be positive") }
    }

    private var limits: SDPLimits {
        var l = SDPLimits.standard
        l.maxBytes = maxSize
        l.maxLines = maxLines
        return l
    }

    func run() throws {
        do {
            let input = try SDPJSONInput.read(file, limit: maxSize)
            if let runs = benchmarkRuns {
                printError("sdp-parse: " + (try SDPJSONInput.benchmark(input, runs: runs, limits: limits)))
                return
            }
            let converter = SDPJSONConverter(toSDP: toSDP, limits: limits)
            try converter.convert(input) { writeToStandardOutput($0) }
        } catch SDPJSONError.expectedJSON {
            CLIError(.dataError, "sdp-parse: --to-sdp expects JSON").exit()
        } catch let SDPJSONError.invalid(message) {
            CLIError(.dataError, "sdp-parse: " + message).exit()
        } catch {
            // ArgumentParser would exit 1 for a non-ExitCode error; our errors carry their own status.
            CLIError(.failure, "sdp-parse: \(error)").exit()
        }
    }
}
