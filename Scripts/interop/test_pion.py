"""End-to-end tests of the built `rtc` binary against pion/webrtc (Debian's v3.1.56), both roles:
echo of text and binary messages up to 64 KiB, 1,000 messages in order, and 20 MB transfers
checked with SHA-256 in both directions (`rtc send` / `rtc listen` against the pion peer's
rtc-transfer/1 receiver and sender).

The pion peer is our own Go program (pion/main.go), built by pion/build into .build/interop.
Loopback only. Run with Scripts/interop/run.
"""
import hashlib
import json
import os
import random

import pytest

from conftest import exchange, pion_args, rtc_args, RTC, LOOPBACK
from test_datachannel import check_echo_order, check_echo_sizes

KIB = 1024
# pion advertises no a=max-message-size, so 65,536 bytes is its limit (RFC 8841 §6).
PION_SIZES = [1, KIB, 16 * KIB, 64 * KIB]
TRANSFER_BYTES = 20 * 1000 * 1000


def connect_pion_echo(spawn, pion_peer, rtc_role, timeout=30):
    rtc = spawn(rtc_args(rtc_role, "--connect-timeout", str(timeout)), f"rtc {rtc_role}")
    peer_role = "answer" if rtc_role == "offer" else "offer"
    peer = spawn(pion_args(pion_peer, peer_role), f"pion {peer_role}")
    if rtc_role == "offer":
        exchange(rtc, peer, timeout)
    else:
        exchange(peer, rtc, timeout)
    opened = rtc.wait_event("open", timeout)
    assert opened["label"] == "chat", opened
    peer_open = peer.read_json(timeout)
    assert peer_open["type"] == "open" and peer_open["label"] == "chat", peer_open
    return rtc, peer


@pytest.mark.timeout(90)
@pytest.mark.parametrize("rtc_role", ["offer", "answer"])
def test_pion_echo(spawn, pion_peer, rtc_role):
    """rtc opens the channel when it offers (pion ACKs with 4 bytes); pion opens it when pion offers."""
    rtc, peer = connect_pion_echo(spawn, pion_peer, rtc_role)
    check_echo_sizes(rtc, PION_SIZES)
    check_echo_order(rtc, 1000)
    rtc.close_stdin()
    closed = rtc.wait_event("close", 15)
    assert closed["label"] == "chat", closed
    assert rtc.wait(15) == 0, rtc.stderr()
    assert peer.wait(15) == 0, peer.stderr()


def random_file(path, size, seed):
    rnd = random.Random(seed)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            block = rnd.randbytes(min(left, 1 << 20))
            f.write(block)
            h.update(block)
            left -= len(block)
    return h.hexdigest()


def file_summaries(lines):
    events = [json.loads(l) for l in lines if l.startswith(b"{")]
    return [e for e in events if e.get("type") == "file"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("rtc_role", ["offer", "answer"])
def test_pion_receives_20mb_from_rtc_send(spawn, pion_peer, tmp_path, rtc_role, figures):
    src = tmp_path / "data.bin"
    digest = random_file(src, TRANSFER_BYTES, 20)
    send = [RTC, "send"] + LOOPBACK + ["--quiet", "--connect-timeout", "30"]
    if rtc_role == "answer":
        send.append("--answer")
    rtc = spawn(send + [str(src)], f"rtc send ({rtc_role})")
    peer_role = "answer" if rtc_role == "offer" else "offer"
    peer = spawn(pion_args(pion_peer, peer_role, "-mode", "receive", "-count", "1"), f"pion receive ({peer_role})")
    if rtc_role == "offer":
        exchange(rtc, peer, 30)
    else:
        exchange(peer, rtc, 30)
    assert rtc.wait(90) == 0, rtc.stderr()
    assert peer.wait(20) == 0, peer.stderr()
    got = file_summaries(peer.rest_of_stdout(10))
    sent = file_summaries(rtc.rest_of_stdout(10))
    assert len(got) == 1 and len(sent) == 1, (got, sent)
    assert got[0]["name"] == "data.bin" and got[0]["bytes"] == TRANSFER_BYTES, got
    assert got[0]["sha256"] == digest and got[0]["verified"] is True, got
    assert sent[0]["sha256"] == digest and sent[0]["verified"] is True, sent
    figures(f"20 MB rtc send ({rtc_role}) -> pion: {sent[0]['mb_per_s']} MB/s as rtc measured it")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("rtc_role", ["answer", "offer"])
def test_pion_sends_20mb_to_rtc_listen(spawn, pion_peer, tmp_path, rtc_role, figures):
    src = tmp_path / "data.bin"
    digest = random_file(src, TRANSFER_BYTES, 21)
    out = tmp_path / "out"
    out.mkdir()
    listen = [RTC, "listen"] + LOOPBACK + ["--quiet", "--connect-timeout", "30", "-o", str(out) + "/"]
    if rtc_role == "offer":
        listen.append("--offer")
    rtc = spawn(listen, f"rtc listen ({rtc_role})")
    peer_role = "answer" if rtc_role == "offer" else "offer"
    peer = spawn(pion_args(pion_peer, peer_role, "-mode", "send", "-file", str(src)), f"pion send ({peer_role})")
    if rtc_role == "offer":
        exchange(rtc, peer, 30)
    else:
        exchange(peer, rtc, 30)
    assert peer.wait(90) == 0, peer.stderr()
    assert rtc.wait(20) == 0, rtc.stderr()
    sent = file_summaries(peer.rest_of_stdout(10))
    got = file_summaries(rtc.rest_of_stdout(10))
    assert len(got) == 1 and len(sent) == 1, (got, sent)
    assert got[0]["bytes"] == TRANSFER_BYTES and got[0]["sha256"] == digest and got[0]["verified"] is True, got
    assert sent[0]["verified"] is True and sent[0]["sha256"] == digest, sent
    with open(out / "data.bin", "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == digest
    assert not (out / "data.bin.part").exists()
    figures(f"20 MB pion -> rtc listen ({rtc_role}): {got[0]['mb_per_s']} MB/s as rtc measured it")
