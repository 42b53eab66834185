import Testing
@testable import RTCCore

/// RTC_LOG_TIME's prefix: milliseconds since process start, to time setup phases across processes.
@Suite(.serialized) struct LogTests {
    @Test func stampIsMillisecondsSinceStartWithMicroseconds() {
        let saved = Log.timestamps
        defer { Log.timestamps = saved }
        Log.timestamps = true
        #expect(Log.stamp(now: Log.start + 1_234_567_890) == "+1234.567 ms ")
        #expect(Log.stamp(now: Log.start + 5_007_000) == "+5.007 ms ")
        #expect(Log.stamp(now: Log.start + 42_000) == "+0.042 ms ")
        #expect(Log.stamp(now: Log.start) == "+0.000 ms ")
    }

    @Test func stampFollowsTheMonotonicClock() {
        let saved = Log.timestamps
        defer { Log.timestamps = saved }
        Log.timestamps = true
        let before = Log.monotonicNanos()
        let stamp = Log.stamp()
        let after = Log.monotonicNanos()
        // "+<ms>.<3 digits> ms " is a count of microseconds with a decimal point.
        let micros = UInt64(stamp.dropFirst().dropLast(4).filter { $0 != "." })!
        #expect(micros >= (before - Log.start) / 1000)
        #expect(micros <= (after - Log.start) / 1000)
    }

    @Test func noStampWhenOff() {
        let saved = Log.timestamps
        defer { Log.timestamps = saved }
        Log.timestamps = false
        #expect(Log.stamp() == "")
    }
}
