"""Setup time, process start to channel open, for rtc, pion and Janus pairs measured side by
side in one run (interleaved rounds, same machine, same moment), printed in the "measured"
summary. Each figure is the median (min-max) over ROUNDS of the time from starting both
processes until both sides reported the channel open (for Janus, which runs as a server, until
rtc did), and after "answer" the part from handing the answer over until then, which leaves out
process start-up and gathering.

It fails if a pair does not open in time, or if a pair involving rtc waited on a DTLS
retransmission: its median after the answer is above AFTER_ANSWER_LIMIT (issue 12's target; it was
~1,000 ms when a dropped ClientHello waited for OpenSSL's 1 s timer), or a round in which rtc (run
with -v) retransmitted a flight took longer than that. A retransmission alone is not a failure:
the first timer is 2x the ICE round trip, at least 50 ms, so a peer slower than that to answer
(a loaded machine) gets a duplicate it discards, and nothing waited on it. Build rtc in release mode and set
RTC_BINARY for figures comparable with pion's (a debug build starts up much more slowly).
"""
import json
import statistics
import sys
import time

import pytest

from conftest import JANUS_SIGNAL, LOOPBACK, RTC, pion_args

PYTHON = sys.executable
ROUNDS = 5
AFTER_ANSWER_LIMIT = 0.150
OPEN_TIMEOUT = 20


def wait_open(proc, timeout=OPEN_TIMEOUT):
    """Monotonic time at which `proc` printed its first open event (its stdout is JSON lines)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"{proc.name}: no open event within {timeout} s; stderr: {proc.stderr()[-2000:]!r}")
        at, line = proc.readline_at(left)
        if line is None:
            pytest.fail(f"{proc.name}: exited before the channel opened; stderr: {proc.stderr()[-2000:]!r}")
        if json.loads(line).get("type") == "open":
            return at


def rtc_cmd(role, *extra):
    return [RTC, role] + LOOPBACK + ["--json", "-v", "--connect-timeout", str(OPEN_TIMEOUT)] + list(extra)


def run_pair(spawn, offerer_cmd, answerer_cmd, name, endpoints="both"):
    """Starts both processes at once, relays offer and answer, and returns (total, after_answer,
    retransmitted): seconds until the channel is open on the measured endpoints, and whether an
    rtc process among them retransmitted a DTLS flight."""
    offerer = spawn(offerer_cmd, f"{name}: offerer")
    answerer = spawn(answerer_cmd, f"{name}: answerer")
    start = min(offerer.started, answerer.started)
    offer = offerer.readline(OPEN_TIMEOUT)
    assert offer, f"{name}: no offer; {offerer.stderr()[-2000:]}"
    answerer.write(offer + b"\n")
    answer = answerer.readline(OPEN_TIMEOUT)
    assert answer, f"{name}: no answer; {answerer.stderr()[-2000:]}"
    answered = time.monotonic()  # before the write: the peer may run before we get the CPU back
    offerer.write(answer + b"\n")
    procs = {"both": [offerer, answerer], "offerer": [offerer], "answerer": [answerer]}[endpoints]
    opened = max(wait_open(p) for p in procs)
    retransmitted = False
    for p in (offerer, answerer):
        p.kill()  # stderr is complete once the process is gone
        if RTC in p.args and "DTLS retransmitted flight" in p.stderr_after_exit():
            retransmitted = True
    return opened - start, opened - answered, retransmitted

def describe(values):
    ms = sorted(v * 1000 for v in values)
    return f"{statistics.median(ms):.0f} ms ({ms[0]:.0f}-{ms[-1]:.0f})"


@pytest.mark.timeout(300)
def test_setup_times_side_by_side(spawn, pion_peer, janus, figures):
    def janus_cmd(plugin):
        return janus.netns(PYTHON, JANUS_SIGNAL, janus.URL, plugin)

    pairs = [
        ("rtc <-> rtc", lambda: (rtc_cmd("offer"), rtc_cmd("answer")), "both"),
        ("pion offers, rtc answers", lambda: (pion_args(pion_peer, "offer"), rtc_cmd("answer")), "both"),
        ("rtc offers, pion answers", lambda: (rtc_cmd("offer"), pion_args(pion_peer, "answer")), "both"),
        ("pion <-> pion", lambda: (pion_args(pion_peer, "offer"), pion_args(pion_peer, "answer")), "both"),
        ("rtc offers, Janus EchoTest answers",
         lambda: (janus.netns(*rtc_cmd("offer")), janus_cmd("echotest")), "offerer"),
        ("Janus TextRoom offers, rtc answers --open",
         lambda: (janus_cmd("textroom"), janus.netns(*rtc_cmd("answer", "--open", "textroom"))), "answerer"),
    ]
    results = {name: ([], [], []) for name, _, _ in pairs}
    for _ in range(ROUNDS):
        for name, cmds, endpoints in pairs:
            offerer_cmd, answerer_cmd = cmds()
            for values, value in zip(results[name], run_pair(spawn, offerer_cmd, answerer_cmd, name, endpoints)):
                values.append(value)
    build = "release" if "/release/" in RTC else "debug" if "/debug/" in RTC else RTC
    figures(f"setup, process start -> channel open, median (min-max) of {ROUNDS} interleaved rounds, "
            f"loopback, rtc {build} build:")
    for name, (totals, after, retransmitted) in results.items():
        note = f"; DTLS retransmission in {sum(retransmitted)} of {ROUNDS}" if any(retransmitted) else ""
        figures(f"  {name:42s} {describe(totals):>22s}; after answer {describe(after)}{note}")
    waited = [name for name, (_, after, retransmitted) in results.items()
              if RTC in name or "rtc" in name
              if statistics.median(after) > AFTER_ANSWER_LIMIT
              or any(r and a > AFTER_ANSWER_LIMIT for r, a in zip(retransmitted, after))]
    assert not waited, (f"rtc waited on a DTLS retransmission (open more than "
                        f"{AFTER_ANSWER_LIMIT * 1000:.0f} ms after the answer) with: {', '.join(waited)}")
