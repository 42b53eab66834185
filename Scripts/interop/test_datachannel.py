"""End-to-end tests of the built `rtc` binary's data channel (`rtc offer` / `rtc answer`):
against itself, aiortc and headless Chromium, a 100 MiB transfer, and fault handling.

Run with Scripts/interop/run (sets up the venv, per-test time limits). Loopback only.
"""
import base64
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import HERE, RTC, exchange, rtc_args

PYTHON = sys.executable
AIORTC_ECHO = os.path.join(HERE, "aiortc_echo.py")
CHROMIUM_ECHO = os.path.join(HERE, "chromium_echo.py")
CHROMIUM = "/usr/lib/chromium/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
KIB = 1024
SIZES = [1, KIB, 16 * KIB, 64 * KIB, 256 * KIB]


def only_events(lines):
    return [json.loads(l) for l in lines]


def messages(events):
    return [e for e in events if e.get("type") == "message"]


def assert_one_error_line(stderr, *needles):
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one stderr line, got {lines!r}"
    assert lines[0].startswith("rtc: "), lines
    for n in needles:
        assert re.search(n, lines[0], re.I), f"stderr line {lines[0]!r} does not match {n!r}"
    return lines[0]


# ---------------------------------------------------------------------------------------------
# 1. rtc <-> rtc
# ---------------------------------------------------------------------------------------------

@pytest.mark.timeout(40)
@pytest.mark.parametrize("closer", ["offer", "answer"])
def test_rtc_rtc_json_events_and_eof_close(rtc_pair, closer):
    offerer, answerer = rtc_pair(json_mode=True)
    assert offerer.wait_event("open") == {"type": "open", "label": "chat"}
    assert answerer.wait_event("open") == {"type": "open", "label": "chat"}

    offerer.writeline({"data": "hello"})
    assert answerer.wait_event("message") == {"type": "message", "label": "chat", "data": "hello"}
    answerer.writeline({"data": "wörld ✓ \"quoted\" \\ /"})
    assert offerer.wait_event("message") == {"type": "message", "label": "chat",
                                             "data": "wörld ✓ \"quoted\" \\ /"}
    blob = bytes(range(256))
    offerer.writeline({"data": base64.b64encode(blob).decode(), "binary": True})
    got = answerer.wait_event("message")
    assert got.get("binary") is True and base64.b64decode(got["data"]) == blob
    answerer.writeline({"data": base64.b64encode(b"\x00\xff").decode(), "binary": True})
    got = offerer.wait_event("message")
    assert got.get("binary") is True and base64.b64decode(got["data"]) == b"\x00\xff"

    closing, other = (offerer, answerer) if closer == "offer" else (answerer, offerer)
    closing.close_stdin()
    for p in (closing, other):
        assert p.wait_event("close", timeout=10) == {"type": "close", "label": "chat"}
        rest = only_events(p.rest_of_stdout(10))
        assert all(e["type"] == "state" for e in rest), rest
    other.close_stdin()
    assert closing.wait(10) == 0, closing.stderr()
    assert other.wait(10) == 0, other.stderr()


@pytest.mark.timeout(40)
def test_rtc_rtc_raw_text_mode(rtc_pair):
    offerer, answerer = rtc_pair(json_mode=False)
    offerer.writeline("hello")
    assert answerer.readline() == b"hello"
    answerer.writeline("wörld {\"not\": \"json\"}")
    assert offerer.readline() == "wörld {\"not\": \"json\"}".encode()
    # Many lines in both directions at once, in order.
    n = 200
    a = offerer.writer_thread((f"o{i}" for i in range(n)), close=False)
    b = answerer.writer_thread((f"a{i}" for i in range(n)), close=False)
    assert [answerer.readline() for _ in range(n)] == [f"o{i}".encode() for i in range(n)]
    assert [offerer.readline() for _ in range(n)] == [f"a{i}".encode() for i in range(n)]
    a.join(5), b.join(5)
    offerer.close_stdin()
    # Raw mode: stdout holds only the description line and the messages, nothing else.
    assert offerer.rest_of_stdout(10) == []
    assert answerer.rest_of_stdout(10) == []
    assert offerer.wait(10) == 0, offerer.stderr()
    assert answerer.wait(10) == 0, answerer.stderr()
