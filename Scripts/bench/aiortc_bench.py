#!/usr/bin/env python3
"""aiortc counterpart of `rtc bench --processes 2`, printing the same JSON shape.

    aiortc_bench.py [--bytes N] [--duration S] [--size B ...] [--rtt-count N] [--rtt-size B]

The sender (offerer, this process) starts a receiver (answerer) as a child process
(`aiortc_bench.py --serve`) and signals over the child's stdin/stdout, one JSON line each way.
The method mirrors Sources/RTCBench/BenchClient.swift and BenchServer.swift:

- setup_ms: from spawning the receiver process to the "ctl" channel being open.
- throughput: for each message size, reliable ordered, reliable unordered and maxRetransmits 0,
  each on a fresh channel, sending --bytes or for at most --duration seconds, with
  back-pressure (stop while bufferedAmount >= 2 MiB, resume at bufferedAmountLowThreshold
  1 MiB, plus a 5 ms timer). Time runs from the first send to the receiver's last byte
  (CLOCK_MONOTONIC in both processes); the receiver reports counts on the "ctl" channel.
- rtt_us: ping-pong of --rtt-size byte binary messages on an "rtt" channel (100 warm-up trips).
- cpu_s_per_gb: (CPU of this process during the throughput cases + the receiver's whole CPU)
  per 10^9 bytes received.  peak_rss_mib: the larger peak RSS of the two processes.

Loopback only: host candidates are 127.0.0.1 and no ICE servers are configured. Every wait has
a deadline; the receiver exits when the connection closes, stdin closes, or after 600 s.
"""
import argparse
import asyncio
import json
import os
import resource
import sys
import time

import aioice.ice
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]

HIGH_WATER = 2 << 20
LOW_WATER = HIGH_WATER // 2


def log(*args):
    print("aiortc_bench:", *args, file=sys.stderr, flush=True)


def description_json(desc):
    return json.dumps({"type": desc.type, "sdp": desc.sdp}, sort_keys=True) + "\n"


def now_ns():
    return time.monotonic_ns()


# ---------------------------------------------------------------- receiver (child) --


async def serve():
    loop = asyncio.get_running_loop()
    line = await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), 60)
    offer = json.loads(line)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    ended = asyncio.Event()
    counters = {}

    @pc.on("connectionstatechange")
    async def on_state():
        if pc.connectionState in ("failed", "closed", "disconnected"):
            ended.set()

    @pc.on("datachannel")
    def on_datachannel(ch):
        label = ch.label
        if label == "rtt":
            @ch.on("message")
            def on_rtt(m):
                ch.send(m)
        elif label == "ctl":
            @ch.on("message")
            def on_ctl(m):
                parts = m.split(" ") if isinstance(m, str) else []
                if len(parts) != 2 or parts[0] != "report":
                    return
                c = counters.get(parts[1], {"bytes": 0, "messages": 0, "first_ns": 0, "last_ns": 0})
                ch.send(json.dumps({"label": parts[1], **c}))
        else:
            c = counters.setdefault(label, {"bytes": 0, "messages": 0, "first_ns": 0, "last_ns": 0})

            @ch.on("message")
            def on_data(m):
                t = now_ns()
                if c["messages"] == 0:
                    c["first_ns"] = t
                c["bytes"] += len(m) if isinstance(m, bytes) else len(m.encode())
                c["messages"] += 1
                c["last_ns"] = t

    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    sys.stdout.write(description_json(pc.localDescription))
    sys.stdout.flush()

    # stdin EOF also ends the receiver (the sender went away).
    stdin_closed = loop.run_in_executor(None, sys.stdin.readline)
    stdin_closed.add_done_callback(lambda _: ended.set())
    try:
        await asyncio.wait_for(ended.wait(), 600)
    except asyncio.TimeoutError:
        log("receiver timeout")
    await pc.close()
    os._exit(0)  # do not wait for the stdin reader thread


# ------------------------------------------------------------------ sender (parent) --


async def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


class Sender:
    def __init__(self, pc):
        self.pc = pc
        self.replies = []
        self.reply_event = asyncio.Event()
        self.control = None

    async def open(self, label, ch=None, **options):
        ch = ch or self.pc.createDataChannel(label, **options)
        await wait_for(lambda: ch.readyState == "open", 10, f"channel {label} to open")
        return ch

    async def open_control(self, ch):
        self.control = await self.open("ctl", ch)

        @self.control.on("message")
        def on_reply(m):
            self.replies.append(m)
            self.reply_event.set()

    async def report(self, label):
        self.control.send(f"report {label}")
        deadline = time.monotonic() + 5
        while True:
            for i, r in enumerate(self.replies):
                obj = json.loads(r)
                if obj.get("label") == label:
                    del self.replies[i]
                    return obj["bytes"], obj["last_ns"]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("receiver stopped answering")
            self.reply_event.clear()
            try:
                await asyncio.wait_for(self.reply_event.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def throughput(self, number, size, ordered, max_retransmits, total, max_seconds):
        label = f"tp-{number}"
        ch = await self.open(label, ordered=ordered, maxRetransmits=max_retransmits)
        chunk = b"\xa5" * size
        state = {"sent": 0, "finished": False}
        start = now_ns()
        deadline = start + int(max_seconds * 1e9)
        ch.bufferedAmountLowThreshold = LOW_WATER

        def pump():
            while state["sent"] < total and ch.bufferedAmount < HIGH_WATER:
                if now_ns() >= deadline:
                    break
                ch.send(chunk)
                state["sent"] += size
            if state["sent"] >= total or now_ns() >= deadline:
                state["finished"] = True

        ch.on("bufferedamountlow", pump)
        pump()
        # A timer keeps pumping in case no low-water event is due (deadline checks).
        give_up = time.monotonic() + max_seconds + 30
        while not (state["finished"] and ch.bufferedAmount == 0):
            if time.monotonic() > give_up:
                raise RuntimeError(f"sender stalled on {label}")
            await asyncio.sleep(0.005)
            if not state["finished"]:
                pump()
        sent = state["sent"]
        got, last_ns = await self.report(label)
        settle = time.monotonic() + 10
        while got < sent and time.monotonic() < settle:
            await asyncio.sleep(0.002 if max_retransmits is None else 0.1)
            nxt = await self.report(label)
            if max_retransmits is not None and nxt[0] == got:
                break
            got, last_ns = nxt
        ch.close()
        seconds = max(1e-9, (last_ns - start) / 1e9)
        return {
            "message_size": size,
            "ordered": ordered,
            "reliability": "reliable" if max_retransmits is None else f"rexmit-{max_retransmits}",
            "bytes": got,
            "sent_bytes": sent,
            "seconds": round(seconds, 3),
            "mb_per_s": round(got / seconds / 1e6, 3),
        }

    async def round_trips(self, count, size, warmup=100):
        ch = await self.open("rtt")
        samples = []
        state = {"remaining": count + warmup, "sent_at": 0}
        payload = b"\x07" * size
        done = asyncio.Event()

        @ch.on("message")
        def on_pong(_):
            rtt = now_ns() - state["sent_at"]
            if state["remaining"] <= count:
                samples.append(max(1, rtt // 1000))
            state["remaining"] -= 1
            if state["remaining"] <= 0:
                done.set()
                return
            state["sent_at"] = now_ns()
            ch.send(payload)

        state["sent_at"] = now_ns()
        ch.send(payload)
        await asyncio.wait_for(done.wait(), 60)
        ch.close()
        return samples


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    rank = max(1, int(-(-p * len(sorted_values) // 100)))  # nearest rank
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


def cpu_seconds(who):
    u = resource.getrusage(who)
    return u.ru_utime + u.ru_stime


async def run(args):
    loop = asyncio.get_running_loop()
    start = time.monotonic()
    child = await asyncio.create_subprocess_exec(
        sys.executable, os.path.abspath(__file__), "--serve",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    sender = Sender(pc)
    # aiortc only offers an SCTP section if a channel exists: create ctl before the offer.
    ctl = pc.createDataChannel("ctl")
    await pc.setLocalDescription(await pc.createOffer())
    child.stdin.write(description_json(pc.localDescription).encode())
    await child.stdin.drain()
    line = await asyncio.wait_for(child.stdout.readline(), 30)
    if not line:
        raise RuntimeError("receiver process printed no answer")
    answer = json.loads(line)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    await sender.open_control(ctl)
    setup_ms = (time.monotonic() - start) * 1000

    cpu_before = cpu_seconds(resource.RUSAGE_SELF)
    results = []
    number = 0
    for size in args.sizes:
        for ordered, rexmit in ((True, None), (False, None), (True, 0)):
            number += 1
            results.append(await sender.throughput(number, size, ordered, rexmit, args.bytes, args.duration))
            if not args.json:
                r = results[-1]
                log(f"{size:6d} B {'ordered' if ordered else 'unordered':10s}{r['reliability']:10s}"
                    f"{r['mb_per_s']:9.1f} MB/s")
    cpu_self = cpu_seconds(resource.RUSAGE_SELF) - cpu_before
    moved = sum(r["bytes"] for r in results)
    samples = sorted(await sender.round_trips(args.rtt_count, args.rtt_size))
    await pc.close()

    # The receiver exits when the connection closes (or its stdin does).
    child.stdin.close()
    try:
        await asyncio.wait_for(child.wait(), 5)
    except asyncio.TimeoutError:
        child.kill()
        await child.wait()
    cpu_child = cpu_seconds(resource.RUSAGE_CHILDREN)
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    _ = loop
    return {
        "setup_ms": round(setup_ms, 3),
        "throughput": results,
        "rtt_us": {
            "p50": percentile(samples, 50),
            "p90": percentile(samples, 90),
            "p99": percentile(samples, 99),
            "max": float(samples[-1]) if samples else 0.0,
        },
        "cpu_s_per_gb": round((cpu_self + cpu_child) / max(1e-9, moved / 1e9), 3),
        "peak_rss_mib": round(max(rss_self, rss_child), 3),
        "processes": 2,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", dest="sizes", type=int, action="append",
                        help="message size in bytes (repeatable; default 1024 16384 65536 262144)")
    parser.add_argument("--bytes", type=int, default=256 << 20, help="bytes per throughput case")
    parser.add_argument("--duration", type=float, default=1.5, help="longest a case may send, in seconds")
    parser.add_argument("--rtt-count", type=int, default=2000)
    parser.add_argument("--rtt-size", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return
    args.sizes = args.sizes or [1024, 16384, 65536, 262144]
    if not all(0 < s <= 262144 for s in args.sizes) or args.bytes <= 0 or args.duration <= 0 \
            or args.rtt_count <= 0 or args.rtt_size <= 0:
        parser.error("sizes must be 1..262144; counts and durations positive")
    report = asyncio.run(run(args))
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
