#!/usr/bin/env python3
"""aiortc peer speaking rtc-transfer/1 over aiortc's TcpSocketSignaling (loopback only).

  receive HOST PORT OUTDIR   aiortc is the TcpSocketSignaling server (sends the offer first);
                             run `rtc send --answer --signal tcp://HOST:PORT FILE...` against it.
                             Once it listens it says so on stderr, `aiortc_transfer: listening on
                             tcp://HOST:PORT` (PORT 0: the port the system picked).
  send HOST PORT FILE        aiortc is the client (receives the offer first); run
                             `rtc listen --offer --signal tcp-listen://HOST:PORT` first.

Prints one JSON line per file: {"name","bytes","sha256","verified"}. Exits 0 when all verified.
Every wait is bounded (TIMEOUT seconds). AIORTC_MAX_MESSAGE_SIZE=N makes aiortc announce
a=max-message-size:N (RFC 8841), to check that rtc's pieces respect a small peer limit.
"""
import asyncio
import hashlib
import json
import os
import sys

import aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.contrib.signaling import BYE, TcpSocketSignaling  # noqa: E402
from aiortc import rtcsctptransport  # noqa: E402

if os.environ.get("AIORTC_MAX_MESSAGE_SIZE"):
    _limit = int(os.environ["AIORTC_MAX_MESSAGE_SIZE"])
    rtcsctptransport.RTCSctpTransport.getCapabilities = classmethod(
        lambda cls: rtcsctptransport.RTCSctpCapabilities(maxMessageSize=_limit))

TIMEOUT = 60
CHUNK = 64 * 1024


def report_listening(host):
    """Makes the next asyncio.start_server (TcpSocketSignaling's, in send) say on stderr where it
    listens, as rtc's listeners do: a caller that passed port 0 learns the port from that line."""
    start_server = asyncio.start_server

    async def reporting(*args, **kwargs):
        server = await start_server(*args, **kwargs)
        port = server.sockets[0].getsockname()[1]
        print(f"aiortc_transfer: listening on tcp://{host}:{port}", file=sys.stderr, flush=True)
        return server

    asyncio.start_server = reporting


async def receive(host, port, outdir):
    signaling = TcpSocketSignaling(host, port)
    report_listening(host)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    results = []

    pc.createDataChannel("control")

    @pc.on("datachannel")
    def on_datachannel(channel):
        st = {"file": None, "hash": hashlib.sha256(), "n": 0, "name": None}

        @channel.on("message")
        def on_message(message):
            if isinstance(message, str):
                o = json.loads(message)
                if o["type"] == "header":
                    name = os.path.basename(o["name"])
                    st["name"] = name
                    st["file"] = open(os.path.join(outdir, name), "wb")
                elif o["type"] == "end":
                    st["file"].close()
                    digest = st["hash"].hexdigest()
                    ok = digest == o["sha256"] and st["n"] == o["bytes"]
                    channel.send(json.dumps({"type": "verdict", "ok": ok, "bytes": st["n"], "sha256": digest}))
                    results.append({"name": st["name"], "bytes": st["n"], "sha256": digest, "verified": ok})
            else:
                st["file"].write(message)
                st["hash"].update(message)
                st["n"] += len(message)

    await pc.setLocalDescription(await pc.createOffer())
    await signaling.send(pc.localDescription)  # becomes the server and waits for rtc
    while True:
        obj = await asyncio.wait_for(signaling.receive(), TIMEOUT)
        if isinstance(obj, RTCSessionDescription):
            await pc.setRemoteDescription(obj)
            break
        if obj is BYE or obj is None:
            print("signaling ended before the answer", file=sys.stderr)
            return 1
    # rtc send says bye once every file is confirmed.
    while True:
        obj = await asyncio.wait_for(signaling.receive(), TIMEOUT)
        if obj is BYE or obj is None:
            break
    for r in results:
        print(json.dumps(r, sort_keys=True), flush=True)
    await pc.close()
    await signaling.close()
    return 0 if results and all(r["verified"] for r in results) else 1


async def send(host, port, path):
    signaling = TcpSocketSignaling(host, port)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    offer = await asyncio.wait_for(signaling.receive(), TIMEOUT)  # connects as the client
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription(await pc.createAnswer())
    await signaling.send(pc.localDescription)

    channel = pc.createDataChannel(os.path.basename(path), protocol="rtc-transfer/1")
    opened = asyncio.Event()
    verdict = asyncio.get_running_loop().create_future()
    channel.on("open", opened.set)

    @channel.on("message")
    def on_message(message):
        if isinstance(message, str) and not verdict.done():
            o = json.loads(message)
            if o.get("type") == "verdict":
                verdict.set_result(o)

    await asyncio.wait_for(opened.wait(), TIMEOUT)
    size = os.path.getsize(path)
    h = hashlib.sha256()
    n = 0
    channel.send(json.dumps({"type": "header", "name": os.path.basename(path), "size": size}))
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            for _ in range(TIMEOUT * 100):
                if channel.bufferedAmount <= 1 << 20:
                    break
                await asyncio.sleep(0.01)
            channel.send(chunk)
            h.update(chunk)
            n += len(chunk)
    digest = h.hexdigest()
    channel.send(json.dumps({"type": "end", "bytes": n, "sha256": digest}))
    v = await asyncio.wait_for(verdict, TIMEOUT)
    ok = bool(v.get("ok")) and v.get("sha256") == digest
    print(json.dumps({"name": os.path.basename(path), "bytes": n, "sha256": digest, "verified": ok}, sort_keys=True),
          flush=True)
    channel.close()
    await asyncio.sleep(0.2)
    await signaling.close()  # sends {"type": "bye"}
    await pc.close()
    return 0 if ok else 1


def main():
    mode, host, port, arg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    fn = receive if mode == "receive" else send
    sys.exit(asyncio.run(asyncio.wait_for(fn(host, port, arg), TIMEOUT * 2)))


if __name__ == "__main__":
    main()
