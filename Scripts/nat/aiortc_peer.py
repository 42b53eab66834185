#!/usr/bin/env python3
"""An aiortc answerer behind a NAT for Scripts/nat-e2e: uses only the given TURN server (no
public STUN), echoes every data-channel message, exits when the peer closes or after --timeout.
Signaling: one JSON description line in on stdin, one out on stdout (as `rtc` writes them).
"""
import argparse, asyncio, json, os, sys

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription


# For runs outside namespaces: gather host candidates only on these (aioice skips loopback).
if os.environ.get("AIORTC_HOSTS"):
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: os.environ["AIORTC_HOSTS"].split(",")


def log(*args):
    print("aiortc_peer:", *args, file=sys.stderr, flush=True)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--turn", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[
        RTCIceServer(urls=a.turn, username=a.user, credential=a.password)]))
    done = asyncio.Event()

    @pc.on("connectionstatechange")
    async def on_state():
        log("connection state", pc.connectionState)
        if pc.connectionState in ("failed", "closed"):
            done.set()

    @pc.on("datachannel")
    def on_datachannel(channel):
        log("remote opened channel", channel.label)

        @channel.on("message")
        def on_message(m):
            channel.send(m)

        channel.on("close", done.set)

    loop = asyncio.get_running_loop()
    offer = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    sdp = pc.localDescription.sdp
    log("candidates:", [l for l in sdp.splitlines() if l.startswith("a=candidate")])
    sys.stdout.write(json.dumps({"sdp": sdp, "type": "answer"}, sort_keys=True) + "\n")
    sys.stdout.flush()
    try:
        await asyncio.wait_for(done.wait(), a.timeout)
    except asyncio.TimeoutError:
        log("timeout")
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
