import Testing
@testable import RTCCore

/// The Foundation-free primitives in Core/: JSON values, text helpers, locks and threads.
@Suite struct JSONValueTests {
    @Test func encodesSortedWithUnescapedSlashesAndKeepsIntegersIntegral() {
        let v: JSONValue = ["type": "file", "path": "a/b", "bytes": 3, "seconds": 0.25, "ok": true, "none": nil,
                            "list": [1, "x"]]
        #expect(v.jsonText == #"{"bytes":3,"list":[1,"x"],"none":null,"ok":true,"path":"a/b","seconds":0.25,"type":"file"}"#)
    }

    @Test func parsesEveryKindAndRoundTrips() throws {
        let text = #"{"a":[true,false,null],"b":-7,"c":1.5,"d":"é\n\"","e":{"f":{}}}"#
        let v = try JSONValue.parse(text)
        #expect(v["a"] == .array([.bool(true), .bool(false), .null]))
        #expect(v["b"]?.intValue == -7)
        #expect(v["c"]?.doubleValue == 1.5)
        #expect(v["c"]?.intValue == nil)
        #expect(v["d"]?.stringValue == "é\n\"")
        #expect(v["e"]?["f"] == .object([:]))
        #expect(try JSONValue.parse(v.jsonText) == v)
    }

    @Test func refusesWhatIsNotJSON() {
        // (Foundation's decoder tolerates a trailing comma, as in "[1,]"; that is not tested here.)
        for bad in ["", "{", "{\"a\":}", "nul", "{'a':1}", "{\"a\":1}x", "{\"a\" 1}"] {
            #expect(throws: (any Error).self, "\(bad)") { try JSONValue.parse(bad) }
        }
        #expect(JSONValue.parseObject("[1]") == nil)
        #expect(JSONValue.parseObject(#"{"a":1}"#)?["a"] == .int(1))
    }
}

@Suite struct TextHelperTests {
    @Test func trimsSpacesTabsAndNewlinesAtBothEnds() {
        #expect(" \t a b \r\n".trimmingWhitespace() == "a b")
        #expect(" \n ".trimmingWhitespace() == "")
        #expect("x".trimmingWhitespace() == "x")
    }

    @Test func findsSubstringsByteWise() {
        let s = "tcp://[::1]:9000"
        let r = s.firstRange(ofText: "://")
        #expect(r.map { String(s[..<$0.lowerBound]) } == "tcp")
        #expect(r.map { String(s[$0.upperBound...]) } == "[::1]:9000")
        #expect(s.containsText("::1"))
        #expect(!s.containsText("::2"))
        #expect(!"ab".containsText("abc"))
        #expect("é/é".firstRange(ofText: "/").map { String("é/é"[$0.upperBound...]) } == "é")
    }

    @Test func formatsNumbersLikePrintf() {
        #expect(formatted("%.1f MB/s", 12.345) == "12.3 MB/s")
        #expect(formatted("%6d|%02x|\\u%04x", 42, 10, UInt16(0xe9)) == "    42|0a|\\u00e9")
    }
}

@Suite struct ThreadPrimitiveTests {
    @Test func conditionWakesAWaiterOnAnotherThread() {
        let condition = Condition()
        // Safe: written and read only under `condition`'s lock.
        nonisolated(unsafe) var value = 0
        startThread(name: "test-signal") {
            condition.withLock { value = 42 }
            condition.broadcast()
        }
        let deadline = Deadline.after(5)
        condition.lock()
        while value == 0 && condition.wait(until: deadline) {}
        condition.unlock()
        #expect(value == 42)
    }

    @Test func timedWaitReturnsFalseAtTheDeadline() {
        let condition = Condition()
        let start = monotonicNanoseconds()
        condition.lock()
        let signalled = condition.wait(until: .after(0.05))
        condition.unlock()
        #expect(!signalled)
        #expect(monotonicNanoseconds() - start >= 50_000_000)
    }

    @Test func deadlineCountsDown() {
        let d = Deadline.after(10)
        #expect(!d.hasPassed)
        #expect(d.secondsLeft > 9 && d.secondsLeft <= 10)
        #expect(Deadline.after(0).hasPassed)
        #expect(Deadline.after(-1).secondsLeft == 0)
    }
}
