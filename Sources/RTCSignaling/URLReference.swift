import RTC
/// URI reference resolution (RFC 3986 §5.2), for the `Location` of a WHIP/WHEP resource
/// (RFC 9725 §4.2: it may be relative to the endpoint's URL) and for redirects.
public enum URLReference {
    /// `reference` resolved against the absolute URL `base` (`scheme://authority/path?query`).
    /// - Returns: nil when `base` is not absolute or `reference` is empty/only white space.
    public static func resolve(_ reference: String, against base: String) -> String? {
        let ref = reference.trimmingWhitespace()
        guard !ref.isEmpty, let b = Parts(base), b.scheme != nil, b.authority != nil else { return nil }
        guard let r = Parts(ref) else { return nil }
        // §5.2.2, strict: a reference with a scheme is absolute.
        if r.scheme != nil { return r.with(path: removeDotSegments(r.path)).text }
        var t = Parts(scheme: b.scheme)
        if r.authority != nil {
            t.authority = r.authority
            t.path = removeDotSegments(r.path)
            t.query = r.query
        } else {
            t.authority = b.authority
            if r.path.isEmpty {
                t.path = b.path
                t.query = r.query ?? b.query
            } else {
                if r.path.hasPrefix("/") {
                    t.path = removeDotSegments(r.path)
                } else {
                    // §5.2.3 merge: the base path up to its last "/", then the reference.
                    let dir: Substring
                    if b.path.isEmpty { dir = "/" } else if let slash = b.path.lastIndex(of: "/") {
                        dir = b.path[...slash]
                    } else { dir = "" }
                    t.path = removeDotSegments(String(dir) + r.path)
                }
                t.query = r.query
            }
        }
        t.fragment = r.fragment
        return t.text
    }

    /// §5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let absolute = path.hasPrefix("/")
        for (i, s) in segments.enumerated() {
            if i == 0 && absolute { continue }
            if s == "." { if i == segments.count - 1 { output.append("") }; continue }
            if s == ".." {
                if !output.isEmpty { output.removeLast() }
                if i == segments.count - 1 { output.append("") }
                continue
            }
            output.append(s)
        }
        let joined = output.joined(separator: "/")
        return absolute ? "/" + joined : joined
    }

    /// §3 components of a reference (no validation beyond the split).
    private struct Parts {
        var scheme: String?
        var authority: String?
        var path = ""
        var query: String?
        var fragment: String?

        init(scheme: String?) { self.scheme = scheme }

        init?(_ text: String) {
            var rest = Substring(text)
            if let hash = rest.firstIndex(of: "#") {
                fragment = String(rest[rest.index(after: hash)...])
                rest = rest[..<hash]
            }
            if let q = rest.firstIndex(of: "?") {
                query = String(rest[rest.index(after: q)...])
                rest = rest[..<q]
            }
            // A scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) before the first ":", with no "/" before it.
            if let colon = rest.firstIndex(of: ":"), !rest[..<colon].contains("/"), let first = rest.first, first.isLetter,
               rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
                scheme = String(rest[..<colon]).lowercased()
                rest = rest[rest.index(after: colon)...]
            }
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                let end = rest.firstIndex(of: "/") ?? rest.endIndex
                authority = String(rest[..<end])
                rest = rest[end...]
            }
            path = String(rest)
        }

        func with(path: String) -> Parts {
            var p = self
            p.path = path
            return p
        }

        var text: String {
            var s = ""
            if let scheme { s += scheme + ":" }
            if let authority { s += "//" + authority }
            s += path
            if let query { s += "?" + query }
            if let fragment { s += "#" + fragment }
            return s
        }
    }
}
