"""rtc against headless Chromium with mDNS candidate hiding ON (the browser default), both roles.

Chromium without media permission and without `--disable-features=WebRtcHideLocalIpsWithMdns`
puts a `<uuid>.local` name in its host candidate and answers mDNS queries for it. The browser
and `rtc` run in two network namespaces created here (prefix `rmd`), joined by a veth pair with
private addresses inside the namespaces only and a multicast route, so rtc's queries to
224.0.0.251:5353 reach the browser and its multicast answers come back. Needs root (CI is root);
the namespaces and everything in them go when the test ends. Also here: the IPv6 multicast path
against a small responder (mdns_responder.py), and a name nobody answers for (loopback, no root).
"""
import functools
import os
import re
import subprocess
import time

import pytest

from conftest import RTC, exchange
from test_datachannel import (needs_chromium, stream_id_checked, CHROMEDRIVER, CHROMIUM, CHROMIUM_ECHO, PYTHON, SIZES, check_echo_order,
                              check_echo_sizes, close_echo_session)

RTC_IP, BROWSER_IP = "10.251.7.1", "10.251.7.2"
# Unique local IPv6 (RFC 4193) inside the namespaces only: Chromium gathers IPv6 too and hides it
# behind a second name, which rtc resolves with an AAAA query to ff02::fb.
RTC_IP6, BROWSER_IP6 = "fd51:7::1", "fd51:7::2"
CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ (\S+) \d+ (\S+) \d+ typ (\S+)", re.M)
RESPONDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mdns_responder.py")
RESOLVED = re.compile(r"rtc\[mdns\]: (\S+\.local) is (\S+) \(answer from \S+ after ([\d.]+) ms\)")


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespaces():
    """Two namespaces, `rtc` side and browser side, joined by a veth pair; removed afterwards."""
    tag = f"rmd{os.getpid() % 100000}"
    rtc_ns, browser_ns = f"{tag}-rtc", f"{tag}-web"
    created = []
    try:
        for ns in (rtc_ns, browser_ns):
            ip("netns", "add", ns)
            created.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
        ip("link", "add", f"{tag}r", "type", "veth", "peer", "name", f"{tag}w")
        ip("link", "set", f"{tag}r", "netns", rtc_ns)
        ip("link", "set", f"{tag}w", "netns", browser_ns)
        for ns, dev, addr, addr6 in ((rtc_ns, f"{tag}r", RTC_IP, RTC_IP6), (browser_ns, f"{tag}w", BROWSER_IP, BROWSER_IP6)):
            ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            ip("-n", ns, "addr", "add", f"{addr6}/64", "dev", dev, "nodad")
            ip("-n", ns, "link", "set", dev, "up", "multicast", "on")
            ip("-n", ns, "route", "add", "224.0.0.0/4", "dev", dev)
        # Without media permission Chromium gathers only on the interface of its default route.
        ip("-n", browser_ns, "route", "add", "default", "via", RTC_IP)
        ip("-n", browser_ns, "-6", "route", "add", "default", "via", RTC_IP6)
        yield rtc_ns, browser_ns
    finally:
        for ns in created:
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=10).stdout
            for pid in pids.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def in_ns(ns, *args):
    return ["ip", "netns", "exec", ns, *args]


def browser_candidates(description_line):
    import json
    sdp = json.loads(description_line)["sdp"]
    return CANDIDATE.findall(sdp)


def needs_root(test):
    """Network namespaces need root (CI is root): without it the test fails, never skips."""
    @functools.wraps(test)
    def checked(*args, **kwargs):
        assert os.geteuid() == 0, "needs root (network namespaces); RTC_SKIP_INTEROP=1 opts out of the interop suite"
        return test(*args, **kwargs)
    return checked


def needs_root_and_chromium(test):
    return needs_root(needs_chromium(test))


@pytest.mark.chromium
@needs_root_and_chromium
@pytest.mark.timeout(180)
@pytest.mark.parametrize("rtc_role", ["answer", "offer"])
def test_chromium_mdns_echo(spawn, namespaces, figures, rtc_role):
    rtc_ns, browser_ns = namespaces
    peer_role = "answer" if rtc_role == "offer" else "offer"
    # The browser starts first: on a loaded machine Chromium takes many seconds to come up, and
    # rtc's --connect-timeout counts from rtc's start.
    peer = spawn(in_ns(browser_ns, PYTHON, CHROMIUM_ECHO, peer_role, "--mdns", "--timeout", "150"),
                 f"chromium {peer_role} --mdns (netns)")
    if peer_role == "offer":
        browser_line = peer.readline(90)
        assert browser_line, f"no offer from the browser; stderr: {peer.stderr()!r}"
    rtc = spawn(in_ns(rtc_ns, RTC, rtc_role, "--ice-host", RTC_IP, "--ice-host", RTC_IP6, "--connect-timeout", "90", "--json",
                      "--verbose"), f"rtc {rtc_role} (netns)")
    if rtc_role == "offer":
        _, browser_line = exchange(rtc, peer, 90)
        handed_over = time.monotonic()
    else:
        handed_over = time.monotonic()
        rtc.write(browser_line + b"\n")
        answer = rtc.readline(15)
        assert answer, f"no answer from rtc; stderr: {rtc.stderr()!r}"
        peer.write(answer + b"\n")

    # The browser really hid its address: every candidate it gave is a .local name.
    candidates = browser_candidates(browser_line)
    assert candidates, f"the browser's {peer_role} has no candidates"
    assert all(addr.endswith(".local") for _, addr, _ in candidates), candidates
    assert BROWSER_IP.encode() not in browser_line and BROWSER_IP6.encode() not in browser_line

    opened = rtc.wait_event("open", 60)
    open_at = time.monotonic()
    assert stream_id_checked(opened) == {"type": "open", "label": "chat"}
    check_echo_sizes(rtc, SIZES)
    check_echo_order(rtc, 1000)
    close_echo_session(rtc, peer, timeout=20)

    # rtc resolved each of the browser's names, one to its IPv4 and one to its IPv6 address
    # (Chromium answers both A and AAAA on 224.0.0.251: its responder has no IPv6 socket).
    stderr = rtc.stderr_after_exit()
    names = {addr for _, addr, _ in candidates}
    resolved = {name: (ip_, float(ms)) for name, ip_, ms in RESOLVED.findall(stderr) if name in names}
    assert set(resolved) == names, stderr[-3000:]
    assert sorted(ip_ for ip_, _ in resolved.values()) == sorted([BROWSER_IP, BROWSER_IP6]), \
        (resolved, browser_line.decode(errors="replace")[-3000:], peer.stderr()[-3000:])
    times = ", ".join(f"{ip_} in {ms:.1f} ms" for ip_, ms in sorted(resolved.values()))
    # The pair rtc selected: to the resolved host candidate, or peer-reflexive when the browser's
    # check taught rtc the same address before the answer to its query came.
    selected = re.search(r"selected host \S+ -> (\w+) (%s|\[%s\]):" % (re.escape(BROWSER_IP), re.escape(BROWSER_IP6)),
                         stderr)
    assert selected, stderr[-3000:]
    figures(f"Chromium (mDNS hiding on) as {peer_role}er, rtc {rtc_role}: {len(names)} .local names resolved "
            f"({times}, first query to answer); selected remote {selected.group(1)} {selected.group(2)}; browser description "
            f"handed to rtc -> rtc channel open {1000 * (open_at - handed_over):.0f} ms"
            f"{' (a DTLS flight was retransmitted)' if 'DTLS retransmitted flight' in stderr else ''}")


@pytest.mark.timeout(40)
def test_unresolvable_local_candidate_is_skipped(spawn):
    """A `.local` candidate nobody answers for is dropped with a debug line; the session goes on
    with the other candidates. Loopback only: on 127.0.0.1 no interface can carry multicast, so
    rtc sends no query at all and skips the name at once."""
    offerer = spawn([RTC, "offer", "--ice-host", "127.0.0.1", "--json"], "rtc offer")
    answerer = spawn([RTC, "answer", "--ice-host", "127.0.0.1", "--json", "--verbose"], "rtc answer --verbose")
    import json
    offer = json.loads(offerer.readline(15))
    bogus = "a=candidate:77 1 udp 2130706431 0b6c3c1e-4f2a-4e0c-9d55-0123456789ab.local 9 typ host\r\n"
    at = offer["sdp"].index("a=candidate:")
    offer["sdp"] = offer["sdp"][:at] + bogus + offer["sdp"][at:]
    answerer.writeline(json.dumps(offer))
    offerer.write(answerer.readline(15) + b"\n")
    assert stream_id_checked(offerer.wait_event("open", 15)) == {"type": "open", "label": "chat"}
    assert stream_id_checked(answerer.wait_event("open", 15)) == {"type": "open", "label": "chat"}
    offerer.writeline({"data": "after the skipped candidate"})
    assert answerer.wait_event("message", 10)["data"] == "after the skipped candidate"
    offerer.close_stdin()
    assert answerer.wait_event("close", 10)["type"] == "close"
    answerer.close_stdin()
    assert offerer.wait(10) == 0, offerer.stderr()
    assert answerer.wait(10) == 0, answerer.stderr()
    assert "skipping candidate 77: 0b6c3c1e-4f2a-4e0c-9d55-0123456789ab.local did not resolve" in \
        answerer.stderr_after_exit()


@needs_root
@pytest.mark.timeout(60)
@pytest.mark.parametrize("hidden", [True, False], ids=["local-name", "plain-address"])
def test_rtc_resolves_over_ipv6_multicast(spawn, namespaces, figures, hidden):
    """The IPv6 path, which Chromium does not use (its responder listens on IPv4 only): `rtc offer`
    in the browser's namespace gathers on its IPv6 address only, its candidate is renamed to a
    .local name before `rtc answer` sees it, and a responder answers AAAA on ff02::fb. The
    plain-address run is the same without the name, for the setup time side by side."""
    import json
    rtc_ns, browser_ns = namespaces
    name = "5f0c2a7e-31d4-4a55-8e0b-6b1d2c3e4f50.local"
    dev = [l.split(":")[1].strip().split("@")[0] for l in subprocess.run(
        ["ip", "-n", browser_ns, "-o", "link", "show", "type", "veth"], capture_output=True, text=True,
        timeout=10).stdout.splitlines()][0]
    responder = spawn(in_ns(browser_ns, PYTHON, RESPONDER, name, BROWSER_IP6, dev, "--family", "6"), "mdns responder")
    assert responder.readline(10) == b"ready", responder.stderr()
    offerer = spawn(in_ns(browser_ns, RTC, "offer", "--ice-host", BROWSER_IP6, "--json"), "rtc offer (v6)")
    answerer = spawn(in_ns(rtc_ns, RTC, "answer", "--ice-host", RTC_IP6, "--json", "--verbose",
                           "--connect-timeout", "20"), "rtc answer (netns)")
    offer = json.loads(offerer.readline(15))
    assert f" {BROWSER_IP6} " in offer["sdp"]
    if hidden:
        offer["sdp"] = offer["sdp"].replace(f" {BROWSER_IP6} ", f" {name} ")
    handed_over = time.monotonic()
    answerer.writeline(json.dumps(offer))
    offerer.write(answerer.readline(15) + b"\n")
    assert stream_id_checked(offerer.wait_event("open", 20)) == {"type": "open", "label": "chat"}
    assert stream_id_checked(answerer.wait_event("open", 20)) == {"type": "open", "label": "chat"}
    setup_ms = 1000 * (time.monotonic() - handed_over)
    offerer.writeline({"data": "over IPv6"})
    assert answerer.wait_event("message", 10)["data"] == "over IPv6"
    offerer.close_stdin()
    assert answerer.wait_event("close", 10)["type"] == "close"
    answerer.close_stdin()
    assert answerer.wait(10) == 0 and offerer.wait(10) == 0
    stderr = answerer.stderr_after_exit()
    figures(f"rtc offer -> rtc answer over IPv6 in namespaces, offerer's candidate "
            f"{'as a .local name' if hidden else 'as its address'}: offer handed to the answerer -> both "
            f"channels open {setup_ms:.0f} ms")
    if not hidden:
        assert "rtc[mdns]" not in stderr, stderr
        return
    # Asked and answered over IPv6 (the responder listens on ff02::fb only).
    found = re.search(re.escape(name) + r" is fd51:7::2 \(answer from \[[0-9a-f:]+\]:5353 after ([\d.]+) ms", stderr)
    assert found, stderr
    figures(f"  (the AAAA answer came {found.group(1)} ms after the first query)")
    assert re.search(r"selected host \[fd51:7::1\]:\d+ -> \w+ \[fd51:7::2\]:", stderr), stderr
    assert responder.readline(5) == b"answered 28"
