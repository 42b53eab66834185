#!/usr/bin/env python3
"""A hostile rtc-transfer/1 sender (aiortc), for the tests of `rtc listen`'s file handling.

  aiortc_hostile_sender.py HOST PORT PLAN_JSON

Connects as the TcpSocketSignaling client to `rtc listen --offer --signal tcp-listen://HOST:PORT`
(retrying while the port refuses, for CONNECT_TIMEOUT s) and plays PLAN_JSON:
  {"mode": M, "files": [{"name": N, "path": P}, ...], "refusal_wait": S}
Every file gets its own channel labelled N (protocol rtc-transfer/1) carrying the bytes of P.
  sequential   one file after another: header, (up to S s for an early verdict), data, trailer,
               verdict;
  concurrent   the attack of issue 15: every channel announces its file before any data; the
               first file is then sent whole and its verdict awaited, and only then do the others
               send their data and trailers, whatever the receiver said to them;
  interleaved  every channel announces, then their chunks alternate, then the trailers.
A hostile sender never stops because it was refused: it sends everything it planned.

Prints one JSON line per channel, in plan order:
  {"index", "name", "bytes", "sha256", "verdict", "verdict_before_data"}
with verdict null when none came within VERDICT_TIMEOUT s. Exits 0 once the plan ran (the test
judges the verdicts), 2 when signaling or the connection failed. Every wait is bounded.
"""
import asyncio
import hashlib
import json
import sys

import aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection  # noqa: E402
from aiortc.contrib.signaling import TcpSocketSignaling  # noqa: E402

CONNECT_TIMEOUT = 15
TIMEOUT = 30
VERDICT_TIMEOUT = 15
CHUNK = 16 * 1024


class Channel:
    def __init__(self, pc, index, name, path):
        with open(path, "rb") as f:
            self.data = f.read()
        self.index = index
        self.name = name
        self.channel = pc.createDataChannel(name, protocol="rtc-transfer/1")
        self.opened = asyncio.Event()
        self.verdict = asyncio.get_running_loop().create_future()
        self.data_started = False
        self.verdict_before_data = None
        self.channel.on("open", self.opened.set)
        self.channel.on("message", self.on_message)

    def on_message(self, message):
        if not isinstance(message, str) or self.verdict.done():
            return
        o = json.loads(message)
        if o.get("type") == "verdict":
            self.verdict_before_data = not self.data_started
            self.verdict.set_result(o)

    def header(self):
        self.channel.send(json.dumps({"type": "header", "name": self.name, "size": len(self.data)}))

    def chunks(self):
        return [self.data[i:i + CHUNK] for i in range(0, len(self.data), CHUNK)]

    async def send_chunk(self, chunk):
        self.data_started = True
        for _ in range(TIMEOUT * 100):
            if self.channel.bufferedAmount <= 1 << 20:
                break
            await asyncio.sleep(0.01)
        if self.channel.readyState == "open":
            self.channel.send(chunk)

    async def send_data(self):
        for chunk in self.chunks():
            await self.send_chunk(chunk)
        self.data_started = True

    def trailer(self):
        if self.channel.readyState == "open":
            self.channel.send(json.dumps({"type": "end", "bytes": len(self.data),
                                         "sha256": hashlib.sha256(self.data).hexdigest()}))

    async def wait_verdict(self, timeout):
        try:
            return await asyncio.wait_for(asyncio.shield(self.verdict), timeout)
        except asyncio.TimeoutError:
            return None

    def result(self):
        return {"index": self.index, "name": self.name, "bytes": len(self.data),
                "sha256": hashlib.sha256(self.data).hexdigest(),
                "verdict": self.verdict.result() if self.verdict.done() else None,
                "verdict_before_data": self.verdict_before_data}


async def connect(host, port):
    """The offer from rtc listen, once its port accepts (it may still be starting)."""
    deadline = asyncio.get_running_loop().time() + CONNECT_TIMEOUT
    while True:
        signaling = TcpSocketSignaling(host, port)
        try:
            offer = await asyncio.wait_for(signaling.receive(), TIMEOUT)
            return signaling, offer
        except (ConnectionRefusedError, OSError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def run(host, port, plan):
    signaling, offer = await connect(host, port)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription(await pc.createAnswer())
    await signaling.send(pc.localDescription)

    channels = [Channel(pc, i, f["name"], f["path"]) for i, f in enumerate(plan["files"])]
    for ch in channels:
        await asyncio.wait_for(ch.opened.wait(), TIMEOUT)
    mode = plan["mode"]
    if mode == "sequential":
        for ch in channels:
            ch.header()
            await ch.wait_verdict(plan.get("refusal_wait", 0))
            await ch.send_data()
            ch.trailer()
            await ch.wait_verdict(VERDICT_TIMEOUT)
    elif mode == "concurrent":
        for ch in channels:
            ch.header()
        first, rest = channels[0], channels[1:]
        await first.send_data()
        first.trailer()
        await first.wait_verdict(VERDICT_TIMEOUT)
        for ch in rest:
            await ch.send_data()
            ch.trailer()
        for ch in rest:
            await ch.wait_verdict(VERDICT_TIMEOUT)
    elif mode == "interleaved":
        for ch in channels:
            ch.header()
        queues = [ch.chunks() for ch in channels]
        for i in range(max(len(q) for q in queues)):
            for ch, q in zip(channels, queues):
                if i < len(q):
                    await ch.send_chunk(q[i])
        for ch in channels:
            ch.trailer()
        for ch in channels:
            await ch.wait_verdict(VERDICT_TIMEOUT)
    else:
        raise ValueError(f"unknown mode {mode!r}")

    for ch in channels:
        print(json.dumps(ch.result(), sort_keys=True), flush=True)
    for ch in channels:
        ch.channel.close()
    await asyncio.sleep(0.2)
    await signaling.close()  # sends {"type": "bye"}: rtc listen's session ends
    await pc.close()
    return 0


def main():
    host, port, plan = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    try:
        status = asyncio.run(asyncio.wait_for(run(host, port, plan), TIMEOUT * 4))
    except (OSError, asyncio.TimeoutError) as e:
        print(f"aiortc_hostile_sender: {e!r}", file=sys.stderr)
        status = 2
    sys.exit(status)


if __name__ == "__main__":
    main()
