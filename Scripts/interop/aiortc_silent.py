#!/usr/bin/env python3
"""An aiortc answerer that never acknowledges a data channel, for the bounded-wait tests.

Reads an offer line on stdin, prints the answer line (the JSON `rtc` uses) and connects over
loopback; ICE, DTLS and SCTP come up, but every DATA_CHANNEL_OPEN (RFC 8832) is dropped, so the
offerer's channel stays "connecting" for good. `rtc offer` / `rtc send` must give up with exit
124 within their --connect-timeout. Exits when the peer closes the connection or after
--timeout seconds.
"""
import argparse
import asyncio
import json
import sys

import aioice.ice
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc import rtcsctptransport

DCEP_PPID = 50
DATA_CHANNEL_OPEN = 0x03


def log(*args):
    print("aiortc_silent:", *args, file=sys.stderr, flush=True)


def drop_dcep_open():
    """Patches aiortc's SCTP transport to ignore DATA_CHANNEL_OPEN: no channel, no ACK."""
    original = rtcsctptransport.RTCSctpTransport._data_channel_receive

    async def receive(self, stream_id, pp_id, data):
        if pp_id == DCEP_PPID and data[:1] == bytes([DATA_CHANNEL_OPEN]):
            log("dropped DATA_CHANNEL_OPEN on stream", stream_id)
            return
        await original(self, stream_id, pp_id, data)

    rtcsctptransport.RTCSctpTransport._data_channel_receive = receive


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]
    drop_dcep_open()

    pc = RTCPeerConnection()
    done = asyncio.Event()

    @pc.on("connectionstatechange")
    async def on_state():
        log("connection state", pc.connectionState)
        if pc.connectionState in ("failed", "closed"):
            done.set()

    loop = asyncio.get_running_loop()
    offer = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
    await pc.setLocalDescription(await pc.createAnswer())
    sys.stdout.write(json.dumps({"type": "answer", "sdp": pc.localDescription.sdp}) + "\n")
    sys.stdout.flush()
    try:
        await asyncio.wait_for(done.wait(), args.timeout)
    except asyncio.TimeoutError:
        log("timeout")
    await pc.close()


if __name__ == "__main__":
    asyncio.run(main())
