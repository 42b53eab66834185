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


# ---------------------------------------------------------------------------------------------
# Echo peers (aiortc, Chromium): rtc --json sends, the peer echoes every message back.
# ---------------------------------------------------------------------------------------------

def text_of(size, seed):
    rnd = random.Random(seed)
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))


def connect_to_echo_peer(spawn, rtc_role, peer_cmd, peer_name, timeout=30):
    """Starts rtc (--json) and an echo peer in the other role; returns (rtc, peer) once open."""
    rtc = spawn(rtc_args(rtc_role, "--connect-timeout", str(timeout)), f"rtc {rtc_role}")
    peer_role = "answer" if rtc_role == "offer" else "offer"
    peer = spawn([PYTHON, peer_cmd, peer_role, "--timeout", "120"], f"{peer_name} {peer_role}")
    if rtc_role == "offer":
        exchange(rtc, peer, timeout)
    else:
        exchange(peer, rtc, timeout)
    assert rtc.wait_event("open", timeout) == {"type": "open", "label": "chat"}
    return rtc, peer


def echo_exchange(rtc, outgoing, timeout):
    """Writes the message objects from a thread and reads as many echoed message events."""
    writer = rtc.writer_thread(outgoing, close=False)
    got = []
    deadline = time.monotonic() + timeout
    for _ in outgoing:
        left = deadline - time.monotonic()
        assert left > 0, f"only {len(got)} of {len(outgoing)} echoes within {timeout} s"
        got.append(rtc.wait_event("message", left))
    writer.join(5)
    assert not writer.errors, writer.errors
    return got


def check_echo_sizes(rtc, sizes, timeout=30):
    outgoing, expected = [], []
    for i, size in enumerate(sizes):
        text = text_of(size, i)
        blob = random.Random(1000 + i).randbytes(size)
        outgoing += [{"data": text}, {"data": base64.b64encode(blob).decode(), "binary": True}]
        expected += [("text", text), ("binary", blob)]
    got = echo_exchange(rtc, outgoing, timeout)
    for (kind, want), event in zip(expected, got):
        assert event["label"] == "chat"
        if kind == "text":
            assert "binary" not in event, f"text message of {len(want)} B came back binary"
            assert event["data"] == want, f"text message of {len(want)} B changed"
        else:
            assert event.get("binary") is True, f"binary message of {len(want)} B came back as text"
            assert base64.b64decode(event["data"]) == want, f"binary message of {len(want)} B changed"


def check_echo_order(rtc, count=1000, timeout=30):
    outgoing = [{"data": f"msg {i:05d}"} for i in range(count)]
    got = echo_exchange(rtc, outgoing, timeout)
    received = [e["data"] for e in got]
    missing = sorted(set(m["data"] for m in outgoing) - set(received))
    assert not missing, f"{len(missing)} messages lost, first {missing[:5]}"
    assert received == [m["data"] for m in outgoing], "echoes arrived out of order"


def close_echo_session(rtc, peer, timeout=15):
    rtc.close_stdin()
    assert rtc.wait_event("close", timeout) == {"type": "close", "label": "chat"}
    rest = only_events(rtc.rest_of_stdout(timeout))
    assert not messages(rest), f"messages after close: {rest}"
    assert rtc.wait(timeout) == 0, rtc.stderr()
    assert peer.wait(timeout) == 0, peer.stderr()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("rtc_role", ["offer", "answer"])
def test_aiortc_echo(spawn, rtc_role):
    rtc, peer = connect_to_echo_peer(spawn, rtc_role, AIORTC_ECHO, "aiortc")
    check_echo_sizes(rtc, SIZES)
    check_echo_order(rtc, 1000)
    close_echo_session(rtc, peer)


needs_chromium = pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason="needs /usr/lib/chromium/chromium and /usr/bin/chromedriver")


@pytest.mark.chromium
@needs_chromium
@pytest.mark.timeout(90)
@pytest.mark.parametrize("rtc_role", ["offer", "answer"])
def test_chromium_echo(spawn, rtc_role):
    rtc, peer = connect_to_echo_peer(spawn, rtc_role, CHROMIUM_ECHO, "chromium", timeout=45)
    check_echo_sizes(rtc, SIZES)
    check_echo_order(rtc, 1000)
    close_echo_session(rtc, peer, timeout=20)


# ---------------------------------------------------------------------------------------------
# 4. 100 MiB between two rtc processes, byte-exact
# ---------------------------------------------------------------------------------------------

@pytest.mark.timeout(120)
def test_rtc_rtc_100_mib_sha256(rtc_pair, figures):
    total, chunk = 100 * 1024 * 1024, 48 * KIB
    offerer, answerer = rtc_pair(json_mode=True)
    offerer.wait_event("open", 15)
    setup_offer = time.monotonic() - offerer.started
    answerer.wait_event("open", 15)
    setup_answer = time.monotonic() - answerer.started

    sent_hash = hashlib.sha256()

    def chunks():
        rnd = random.Random(4)
        left = total
        while left:
            data = rnd.randbytes(min(chunk, left))
            left -= len(data)
            sent_hash.update(data)
            yield {"data": base64.b64encode(data).decode(), "binary": True}

    start = time.monotonic()
    writer = offerer.writer_thread(chunks(), close=True)
    got_hash, received, count = hashlib.sha256(), 0, 0
    while received < total:
        event = answerer.wait_event("message", 30)
        assert event.get("binary") is True
        data = base64.b64decode(event["data"])
        got_hash.update(data)
        received += len(data)
        count += 1
    elapsed = time.monotonic() - start
    writer.join(10)
    assert not writer.errors, writer.errors
    assert received == total
    assert count == -(-total // chunk)
    assert got_hash.hexdigest() == sent_hash.hexdigest()
    assert answerer.wait_event("close", 15)["type"] == "close"
    assert offerer.wait(15) == 0, offerer.stderr()
    answerer.close_stdin()
    assert answerer.wait(15) == 0, answerer.stderr()
    figures(f"100 MiB rtc->rtc (--json, 48 KiB binary messages as base64 lines, loopback, "
            f"{os.path.basename(os.path.dirname(RTC))} build): {total / elapsed / 1e6:.1f} MB/s "
            f"({elapsed:.2f} s); setup process start->open: offerer {setup_offer * 1000:.0f} ms, "
            f"answerer {setup_answer * 1000:.0f} ms")
