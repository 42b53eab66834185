"""End-to-end tests of the built `rtc` binary's data channel (`rtc offer` / `rtc answer`):
against itself, aiortc and headless Chromium, a 100 MiB transfer, and fault handling.

Run with Scripts/interop/run (sets up the venv, per-test time limits). Loopback only.
"""
import base64
import hashlib
import json
import functools
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

import chromium
from conftest import HERE, RTC, exchange, rtc_args

PYTHON = sys.executable
AIORTC_ECHO = os.path.join(HERE, "aiortc_echo.py")
CHROMIUM_ECHO = os.path.join(HERE, "chromium_echo.py")
CHROMIUM, CHROMEDRIVER = chromium.BINARY, chromium.DRIVER
KIB = 1024
SIZES = [1, KIB, 16 * KIB, 64 * KIB, 256 * KIB]


def only_events(lines):
    return [json.loads(l) for l in lines]


def messages(events):
    return [e for e in events if e.get("type") == "message"]


def stream_id_checked(event):
    """The event without its "id" (the channel's SCTP stream id, which open, message and close
    events carry since several channels share a session), after checking that it is one."""
    event = dict(event)
    assert isinstance(event.pop("id", None), int), f"event without a stream id: {event}"
    return event


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
    assert stream_id_checked(offerer.wait_event("open")) == {"type": "open", "label": "chat"}
    assert stream_id_checked(answerer.wait_event("open")) == {"type": "open", "label": "chat"}

    offerer.writeline({"data": "hello"})
    assert stream_id_checked(answerer.wait_event("message")) == {"type": "message", "label": "chat",
                                                                 "data": "hello"}
    answerer.writeline({"data": "wörld ✓ \"quoted\" \\ /"})
    assert stream_id_checked(offerer.wait_event("message")) == {"type": "message", "label": "chat",
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
        assert stream_id_checked(p.wait_event("close", timeout=10)) == {"type": "close", "label": "chat"}
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
    assert stream_id_checked(rtc.wait_event("open", timeout)) == {"type": "open", "label": "chat"}
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
    assert stream_id_checked(rtc.wait_event("close", timeout)) == {"type": "close", "label": "chat"}
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


def needs_chromium(test):
    """Chromium is a required peer: a missing browser fails the test (never a silent skip)."""
    @functools.wraps(test)
    def checked(*args, **kwargs):
        assert os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK), \
            f"Chromium peer missing: needs {CHROMIUM} and {CHROMEDRIVER} (Scripts/install-deps)"
        return test(*args, **kwargs)
    return checked


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


# ---------------------------------------------------------------------------------------------
# 5. Faults and signaling options
# ---------------------------------------------------------------------------------------------

def real_answer(spawn):
    """A genuine answer SDP (from an rtc answerer fed a genuine offer), as a dict."""
    o = spawn(rtc_args("offer"), "rtc offer (for a sample)")
    a = spawn(rtc_args("answer"), "rtc answer (for a sample)")
    offer = o.readline()
    a.write(offer + b"\n")
    answer = json.loads(a.readline())
    o.kill(), a.kill()
    return json.loads(offer), answer


def cut_before(sdp, marker):
    i = sdp.index(marker)
    return sdp[:i]


def cut_inside(sdp, marker, keep):
    i = sdp.index(marker)
    return sdp[:i + len(marker) + keep]


BAD_DESCRIPTIONS = {
    "not json": lambda d: "this is not json",
    "unterminated json": lambda d: '{"type":"%s","sdp":"v=0\\r\\n' % d["type"],
    "json without sdp": lambda d: json.dumps({"type": d["type"]}),
    "sdp garbage": lambda d: json.dumps({"type": d["type"], "sdp": "hello world\r\n"}),
    "truncated before m=": lambda d: json.dumps({"type": d["type"], "sdp": cut_before(d["sdp"], "m=")}),
    "truncated in m=": lambda d: json.dumps({"type": d["type"], "sdp": cut_inside(d["sdp"], "m=", 5)}),
    "truncated in fingerprint": lambda d: json.dumps(
        {"type": d["type"], "sdp": cut_inside(d["sdp"], "a=fingerprint:sha-256 ", 20)}),
    "truncated before ice-pwd": lambda d: json.dumps(
        {"type": d["type"], "sdp": cut_before(d["sdp"], "a=ice-pwd")}),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("role", ["offer", "answer"])
@pytest.mark.parametrize("bad", list(BAD_DESCRIPTIONS))
def test_bad_remote_description_exits_65(spawn, role, bad):
    offer, answer = real_answer(spawn)
    if role == "offer":
        p = spawn(rtc_args("offer", "--connect-timeout", "10"), "rtc offer")
        assert p.readline()
        remote = BAD_DESCRIPTIONS[bad](answer)
    else:
        p = spawn(rtc_args("answer", "--connect-timeout", "10"), "rtc answer")
        remote = BAD_DESCRIPTIONS[bad](offer)
    p.writeline(remote)
    assert p.wait(10) == 65, p.stderr()
    assert_one_error_line(p.stderr_after_exit())
    out = p.rest_of_stdout(5)
    assert all(json.loads(l)["type"] in ("offer", "state") for l in out), out


def tamper_fingerprint(line):
    desc = json.loads(line)
    m = re.search(r"a=fingerprint:sha-256 ([0-9A-Fa-f:]+)", desc["sdp"])
    assert m, desc["sdp"]
    hexes = m.group(1)
    flipped = ("0" if hexes[0] != "0" else "1") + hexes[1:]
    desc["sdp"] = desc["sdp"].replace(hexes, flipped)
    return json.dumps(desc).encode()


@pytest.mark.timeout(40)
@pytest.mark.parametrize("tampered", ["answer", "offer"])
def test_wrong_fingerprint_no_data_exit_1(spawn, tampered):
    offerer = spawn(rtc_args("offer", "--connect-timeout", "10"), "rtc offer")
    answerer = spawn(rtc_args("answer", "--connect-timeout", "10"), "rtc answer")
    offer = offerer.readline()
    answerer.write((tamper_fingerprint(offer) if tampered == "offer" else offer) + b"\n")
    answer = answerer.readline()
    offerer.write((tamper_fingerprint(answer) if tampered == "answer" else answer) + b"\n")
    # Queued before open: must never be delivered.
    offerer.writeline({"data": "secret from offerer"})
    answerer.writeline({"data": "secret from answerer"})
    checker = offerer if tampered == "answer" else answerer
    assert checker.wait(15) == 1, checker.stderr()
    assert_one_error_line(checker.stderr_after_exit(), "fingerprint", "matches none|mismatch|does not match")
    other = answerer if checker is offerer else offerer
    status = other.wait(15)
    assert status != 0, f"{other.name} exited 0 though the handshake failed; {other.stderr()}"
    for p in (offerer, answerer):
        events = only_events(p.rest_of_stdout(5))
        assert not messages(events), f"{p.name} delivered data: {events}"
        assert not [e for e in events if e["type"] == "open"], f"{p.name} opened: {events}"


@pytest.mark.timeout(40)
def test_peer_disappears_consent_timeout(rtc_pair):
    offerer, answerer = rtc_pair(offer_args=("--consent-timeout", "3"))
    offerer.wait_event("open")
    answerer.wait_event("open")
    offerer.writeline({"data": "ping"})
    assert answerer.wait_event("message")["data"] == "ping"
    killed = time.monotonic()
    os.killpg(answerer.popen.pid, signal.SIGKILL)
    status = offerer.wait(3 + 5)
    took = time.monotonic() - killed
    assert status == 1, offerer.stderr()
    assert 2.0 <= took <= 8, f"offerer exited {took:.1f} s after the peer vanished (consent timeout 3 s)"
    assert_one_error_line(offerer.stderr_after_exit(), "consent|timed out|peer")


@pytest.mark.timeout(40)
@pytest.mark.parametrize("when", ["after-answer", "after-open"])
def test_closed_stdout_exits_cleanly(spawn, when):
    """`rtc answer | head -1`: the reader of its stdout goes away; rtc must end with status 0
    at its next write (no SIGPIPE death, no crash), and the offerer must not hang."""
    offerer = spawn(rtc_args("offer", "--connect-timeout", "5"), "rtc offer")
    r, w = os.pipe()
    answerer = spawn(rtc_args("answer"), "rtc answer", stdout=w)
    os.close(w)
    reader = os.fdopen(r, "rb")
    answerer.write(offerer.readline() + b"\n")
    answer = reader.readline()
    assert answer.startswith(b"{"), answer
    offerer.write(answer)
    if when == "after-open":
        for _ in range(10):
            event = json.loads(reader.readline())
            if event["type"] == "open":
                break
        assert stream_id_checked(event) == {"type": "open", "label": "chat"}
        offerer.wait_event("open")
    reader.close()
    # Messages to print make the answerer notice that its stdout is gone. Once it has left, the
    # offerer may end too (its peer closed), and its stdin with it: later writes are not needed.
    for i in range(20):
        try:
            offerer.writeline({"data": f"to a closed stdout {i}"})
        except BrokenPipeError:
            break
    status = answerer.wait(15)
    assert status >= 0, f"answerer died of signal {-status}; stderr: {answerer.stderr()}"
    assert status == 0, answerer.stderr()
    assert "Fatal error" not in answerer.stderr_after_exit()
    offerer.close_stdin()
    status = offerer.wait(15)
    if when == "after-open":
        # The answerer closed its connection on the way out: a normal end for the offerer.
        assert status == 0, offerer.stderr()
    else:
        assert status >= 0, offerer.stderr()


@pytest.mark.timeout(30)
def test_compact_tokens(rtc_pair):
    offerer, answerer = rtc_pair(offer_args=("--compact",), answer_args=("--compact",))
    offerer.wait_event("open")
    answerer.wait_event("open")
    offerer.writeline({"data": "via compact tokens"})
    assert answerer.wait_event("message")["data"] == "via compact tokens"
    answerer.writeline({"data": "and back"})
    assert offerer.wait_event("message")["data"] == "and back"
    offerer.close_stdin()
    assert offerer.wait(10) == 0 and answerer.wait(10) == 0


@pytest.mark.timeout(30)
def test_compact_token_format(spawn):
    offerer = spawn(rtc_args("offer", "--compact"), "rtc offer")
    token = offerer.readline().decode()
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
    answerer = spawn(rtc_args("answer"), "rtc answer")
    answerer.writeline(token)
    answer = json.loads(answerer.readline())
    assert answer["type"] == "answer" and answer["sdp"].startswith("v=0\r\n")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_remote_file_answer(spawn, tmp_path, kind):
    offerer = spawn(rtc_args("offer"), "rtc offer")
    offer_file = tmp_path / "offer.json"
    offer = offerer.readline() + b"\n"
    if kind == "file":
        offer_file.write_bytes(offer)
    else:
        os.mkfifo(offer_file)
        threading.Thread(target=offer_file.write_bytes, args=(offer,), daemon=True).start()
    answerer = spawn(rtc_args("answer", "--remote", str(offer_file)), "rtc answer")
    offerer.write(answerer.readline() + b"\n")
    offerer.wait_event("open")
    answerer.wait_event("open")
    # With --remote, the answerer's stdin is data from the first line on.
    answerer.writeline({"data": "first stdin line is data"})
    assert offerer.wait_event("message")["data"] == "first stdin line is data"
    offerer.writeline({"data": "reply"})
    assert answerer.wait_event("message")["data"] == "reply"
    answerer.close_stdin()
    assert answerer.wait(10) == 0 and offerer.wait(10) == 0


@pytest.mark.timeout(30)
def test_remote_file_offer_fifo(spawn, tmp_path):
    """`rtc offer --remote FIFO`: the answer can only exist after the offer is out, so the
    offerer must print its offer before it reads the file."""
    fifo = tmp_path / "answer.fifo"
    os.mkfifo(fifo)
    offerer = spawn(rtc_args("offer", "--remote", str(fifo)), "rtc offer")
    answerer = spawn(rtc_args("answer"), "rtc answer")
    answerer.write(offerer.readline(10) + b"\n")
    answer = answerer.readline()
    fd = os.open(fifo, os.O_WRONLY)  # blocks until the offerer opens it; bounded by the test limit
    os.write(fd, answer + b"\n")
    os.close(fd)
    offerer.wait_event("open")
    answerer.wait_event("open")
    offerer.writeline({"data": "first stdin line is data"})
    assert answerer.wait_event("message")["data"] == "first stdin line is data"
    offerer.close_stdin()
    assert offerer.wait(10) == 0 and answerer.wait(10) == 0
