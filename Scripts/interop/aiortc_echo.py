#!/usr/bin/env python3
"""An aiortc peer that echoes every data-channel message back, for interop tests.

Signaling is one JSON line each way on stdin/stdout (the format `rtc` uses), so it can be wired
to `rtc offer` / `rtc answer` with pipes:

    aiortc_echo.py answer   reads an offer line, prints an answer line, echoes on every channel
    aiortc_echo.py offer    prints an offer (creating channel --label), reads the answer, echoes

Only loopback is used: host candidates are restricted to 127.0.0.1 and no STUN server is set.
With --turn (Scripts/nat-e2e, inside a network namespace) it gathers on the namespace's own
interfaces and uses only that TURN server. The process exits when the peer closes the
connection or after --timeout seconds.
"""
import argparse
import asyncio
import json
import sys

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription


def loopback_only(use_ipv4=True, use_ipv6=True):
    return ["127.0.0.1"]


def log(*args):
    print("aiortc_echo:", *args, file=sys.stderr, flush=True)


async def read_line():
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, sys.stdin.readline)


def write_description(desc):
    sys.stdout.write(json.dumps({"type": desc.type, "sdp": desc.sdp}, sort_keys=True) + "\n")
    sys.stdout.flush()


def echo_on(channel, counts):
    @channel.on("message")
    def on_message(message):
        counts["messages"] += 1
        counts["bytes"] += len(message)
        channel.send(message)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["offer", "answer"])
    parser.add_argument("--label", default="chat")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--turn", help="turn:HOST:PORT?transport=udp, the only ICE server")
    parser.add_argument("--turn-user", default="")
    parser.add_argument("--turn-pass", default="")
    args = parser.parse_args()

    servers = []
    if args.turn:
        servers = [RTCIceServer(urls=args.turn, username=args.turn_user, credential=args.turn_pass)]
    else:
        aioice.ice.get_host_addresses = loopback_only
    pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
    done = asyncio.Event()
    counts = {"messages": 0, "bytes": 0}

    @pc.on("connectionstatechange")
    async def on_state():
        log("connection state", pc.connectionState)
        if pc.connectionState in ("failed", "closed"):
            done.set()

    @pc.on("datachannel")
    def on_datachannel(channel):
        log("remote opened channel", channel.label)
        echo_on(channel, counts)
        channel.on("close", done.set)

    if args.role == "offer":
        channel = pc.createDataChannel(args.label)
        echo_on(channel, counts)
        channel.on("close", done.set)
        await pc.setLocalDescription(await pc.createOffer())
        write_description(pc.localDescription)
        answer = json.loads(await read_line())
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    else:
        offer = json.loads(await read_line())
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
        await pc.setLocalDescription(await pc.createAnswer())
        write_description(pc.localDescription)

    try:
        await asyncio.wait_for(done.wait(), args.timeout)
    except asyncio.TimeoutError:
        log("timeout")
    log("echoed", counts["messages"], "messages,", counts["bytes"], "bytes")
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
