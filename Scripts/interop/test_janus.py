"""End-to-end tests of the built `rtc` binary against Janus (Debian's 1.1.2) in a network
namespace (conftest.JanusServer), signaled over the Janus HTTP API by janus_signal.py:

- EchoTest: rtc offers; text and binary echo, 1,000 messages in order, 20 MB echoed back and
  checked with SHA-256;
- TextRoom: Janus offers after "setup" and expects the answerer to open the data channel
  (`rtc answer --open`); rtc joins a room, and a message it posts comes back as the room's event.

rtc and the glue run inside the namespace (`ip netns exec`). Needs root. Run with
Scripts/interop/run.
"""
import base64
import hashlib
import json
import random
import sys
import time

import pytest

from conftest import JANUS_SIGNAL, RTC, LOOPBACK, exchange

PYTHON = sys.executable
KIB = 1024
# EchoTest answers text with this prefix and binary as it came.
ECHO_PREFIX = "Janus EchoTest here! You wrote: "
# Janus 1.1.2 advertises no a=max-message-size (so 65,536 applies), but hands data to and from
# plugins with a uint16_t length (janus_plugin_data): 65,535 bytes is the most that passes
# through EchoTest (a 65,536-byte binary comes back as nothing; a text whose reply with the
# prefix exceeds 65,535 bytes comes back cut). So the largest checks are 65,535 bytes binary
# and a text whose echo is 65,535 bytes.
JANUS_MAX = 65535
JANUS_SIZES = [1, KIB, 16 * KIB, JANUS_MAX]

def rtc_in(janus, role, *extra):
    return janus.netns(RTC, role, *LOOPBACK, "--json", "--connect-timeout", "20", *extra)


def start_echotest(spawn, janus):
    rtc = spawn(rtc_in(janus, "offer"), "rtc offer (janus)")
    sig = spawn(janus.netns(PYTHON, JANUS_SIGNAL, janus.URL, "echotest"), "janus echotest")
    exchange(rtc, sig, 20)
    opened = rtc.wait_event("open", 20)
    assert opened["label"] == "chat", opened
    return rtc, sig


def echo_round(rtc, outgoing, timeout=60):
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


def end_session(rtc, sig):
    rtc.close_stdin()
    assert rtc.wait_event("close", 15)["label"] == "chat"
    assert rtc.wait(15) == 0, rtc.stderr()
    sig.close_stdin()
    assert sig.wait(15) == 0, sig.stderr()


@pytest.mark.timeout(90)
def test_janus_echotest(spawn, janus):
    rtc, sig = start_echotest(spawn, janus)
    outgoing, expected = [], []
    for i, size in enumerate(JANUS_SIZES):
        rnd = random.Random(i)
        text_size = min(size, JANUS_MAX - len(ECHO_PREFIX))
        text = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(text_size))
        blob = rnd.randbytes(size)
        outgoing += [{"data": text}, {"data": base64.b64encode(blob).decode(), "binary": True}]
        expected += [("text", ECHO_PREFIX + text), ("binary", blob)]
    for (kind, want), event in zip(expected, echo_round(rtc, outgoing)):
        if kind == "text":
            assert "binary" not in event and event["data"] == want, f"text of {len(want)} B changed"
        else:
            assert event.get("binary") is True and base64.b64decode(event["data"]) == want, \
                f"binary of {len(want)} B changed"
    order = [{"data": f"msg {i:05d}"} for i in range(1000)]
    got = [e["data"] for e in echo_round(rtc, order)]
    assert got == [ECHO_PREFIX + m["data"] for m in order], "echoes lost or out of order"
    end_session(rtc, sig)


@pytest.mark.timeout(120)
def test_janus_echotest_20mb_sha256(spawn, janus, figures):
    total, chunk = 20 * 1000 * 1000, 60 * KIB
    rtc, sig = start_echotest(spawn, janus)
    sent = hashlib.sha256()

    def chunks():
        rnd = random.Random(7)
        left = total
        while left:
            data = rnd.randbytes(min(chunk, left))
            left -= len(data)
            sent.update(data)
            yield {"data": base64.b64encode(data).decode(), "binary": True}

    start = time.monotonic()
    writer = rtc.writer_thread(chunks(), close=False)
    back, received = hashlib.sha256(), 0
    while received < total:
        event = rtc.wait_event("message", 30)
        assert event.get("binary") is True
        data = base64.b64decode(event["data"])
        back.update(data)
        received += len(data)
    elapsed = time.monotonic() - start
    writer.join(10)
    assert not writer.errors, writer.errors
    assert received == total and back.hexdigest() == sent.hexdigest()
    end_session(rtc, sig)
    figures(f"20 MB rtc -> Janus EchoTest -> rtc (60 KiB binary, --json base64): "
            f"{total / elapsed / 1e6:.1f} MB/s each way")


@pytest.mark.timeout(60)
def test_janus_textroom_rtc_answer_opens_channel(spawn, janus):
    sig = spawn(janus.netns(PYTHON, JANUS_SIGNAL, janus.URL, "textroom"), "janus textroom")
    rtc = spawn(rtc_in(janus, "answer", "--open", "textroom"), "rtc answer --open (janus)")
    exchange(sig, rtc, 20)
    opened = rtc.wait_event("open", 20)
    assert opened["label"] == "textroom", opened

    def request(body):
        rtc.writeline({"label": "textroom", "data": json.dumps(body)})

    opened_by_janus = []

    def replies(count, timeout=15):
        """TextRoom's replies. Janus sends them on a channel labelled "JanusDataChannel" (its
        default label), which it opens itself when ours has another label: that open must be
        reported like ours (every channel, whoever opens it)."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"only {len(out)} of {count} TextRoom replies within {timeout} s: {out}"
            event = rtc.read_json(left)
            if event["type"] == "open":
                opened_by_janus.append(event["label"])
            elif event["type"] == "message":
                out.append(json.loads(event["data"]))
            else:
                assert event["type"] == "state", event
        return out

    def until_success(transaction):
        """Replies up to the request's "success" (room events such as our own join come too)."""
        got = []
        while not got or got[-1].get("transaction") != transaction:
            got += replies(1)
            assert got[-1].get("textroom") != "error", got[-1]
        assert got[-1]["textroom"] == "success", got[-1]
        return got

    request({"textroom": "join", "transaction": "join-1", "room": 1234, "username": "rtc", "display": "rtc"})
    until_success("join-1")
    text = "hello from rtc ✓"
    request({"textroom": "message", "transaction": "msg-1", "room": 1234, "text": text})
    got = until_success("msg-1")
    # The room's event may come after the success too.
    events = [g for g in got if g.get("textroom") == "message"] or replies(1)
    assert len(events) == 1, got + events
    assert events[0]["room"] == 1234 and events[0]["from"] == "rtc" and events[0]["text"] == text, events
    assert opened_by_janus == ["JanusDataChannel"], opened_by_janus
    # EOF closes both channels (RFC 8831 §6.7: each side resets its outgoing stream) and ends rtc.
    rtc.close_stdin()
    assert rtc.wait(15) == 0, rtc.stderr()
    sig.close_stdin()
    assert sig.wait(15) == 0, sig.stderr()
