#!/usr/bin/env python3
"""The aiortc relay for `rtc bench --media --relay-command`: two aiortc 1.16 peers in two
processes, shaped like `rtc offer --video vp8 --video-in udp://127.0.0.1:IN` and `rtc answer
--video vp8 --video-out udp://127.0.0.1:OUT`.

    bench-media-aiortc.py --in PORT --out PORT

What each side does (the closest aiortc allows to forwarding RTP without a codec):
- offer: binds 127.0.0.1:IN; each RTP datagram's payload becomes an av.Packet (pts from the RTP
  timestamp, time base 1/90000) that a MediaStreamTrack returns from recv(). aiortc's
  RTCRtpSender "packs" such pre-encoded packets (Vp8Encoder.pack: a VP8 payload descriptor
  and RTP packetization, no encoding), then SRTP-protects and sends them as it does any video.
- answer: aiortc's RTCRtpReceiver gets each SRTP-unprotected, parsed RtpPacket
  (_handle_rtp_packet). A wrapper first sends the packet as plain RTP to 127.0.0.1:OUT, the VP8
  payload descriptor removed (so the payload is what came in at IN), then runs aiortc's own
  handling (statistics, NACK generation, depacketization, jitter buffer). The decoder thread
  is detached so garbage "frames" are not decoded: rtc does not decode either.

Prints {"type":"ready","pids":[offer,answer],"names":["offer","answer"]} once the stream is
connected, and runs until stdin closes or SIGTERM. Loopback only: host candidates are
127.0.0.1, no ICE servers.
"""
import argparse
import asyncio
import fractions
import json
import os
import select
import signal
import subprocess
import sys

import aioice.ice

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


def log(*args):
    print("bench-media-aiortc:", *args, file=sys.stderr, flush=True)


async def read_line():
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


def write(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def run_peer(role, port):
    import av
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver, RTCSessionDescription
    from aiortc.codecs.vpx import VpxPayloadDescriptor
    from aiortc.mediastreams import MediaStreamTrack
    from aiortc.rtp import RtpPacket

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    connected = asyncio.Event()

    @pc.on("connectionstatechange")
    async def on_state():
        if pc.connectionState == "connected":
            connected.set()

    loop = asyncio.get_running_loop()
    if role == "offer":
        queue = asyncio.Queue(maxsize=8192)
        time_base = fractions.Fraction(1, 90000)

        class Forwarded(MediaStreamTrack):
            kind = "video"

            async def recv(self):
                return await queue.get()

        class Input(asyncio.DatagramProtocol):
            def datagram_received(self, data, addr):
                try:
                    rtp = RtpPacket.parse(data)
                except ValueError:
                    return
                packet = av.Packet(rtp.payload)
                packet.pts = rtp.timestamp
                packet.time_base = time_base
                if not queue.full():
                    queue.put_nowait(packet)

        await loop.create_datagram_endpoint(Input, local_addr=("127.0.0.1", port))
        pc.addTransceiver(Forwarded(), direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        write({"type": "offer", "sdp": pc.localDescription.sdp})
        answer = json.loads(await read_line())
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))
    else:
        transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
        original = RTCRtpReceiver._handle_rtp_packet

        async def forward_then_handle(self, packet, arrival_time_ms):
            try:
                _, data = VpxPayloadDescriptor.parse(packet.payload)
                out = RtpPacket(payload_type=packet.payload_type, marker=packet.marker,
                                sequence_number=packet.sequence_number, timestamp=packet.timestamp,
                                ssrc=packet.ssrc, payload=data)
                transport.sendto(out.serialize(), ("127.0.0.1", port))
            except ValueError:
                pass
            await original(self, packet, arrival_time_ms)

        RTCRtpReceiver._handle_rtp_packet = forward_then_handle
        offer = json.loads(await read_line())
        await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        for t in pc.getTransceivers():
            t.direction = "recvonly"
        await pc.setLocalDescription(await pc.createAnswer())
        write({"type": "answer", "sdp": pc.localDescription.sdp})
    await asyncio.wait_for(connected.wait(), 30)
    if role == "answer":
        for t in pc.getTransceivers():
            # No decoding: its thread waits on a queue nothing is put in.
            t.receiver._RTCRtpReceiver__decoder_thread = None
    write({"type": "connected"})
    await read_line()  # until the parent closes our stdin
    os._exit(0)


def read_child_line(child, seconds):
    ready, _, _ = select.select([child.stdout], [], [], seconds)
    if not ready:
        raise SystemExit(f"bench-media-aiortc: no line from the {child.args[-3]} peer within {seconds} s")
    line = child.stdout.readline()
    if not line:
        raise SystemExit("bench-media-aiortc: a peer exited early")
    return line


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--in", dest="input", type=int, required=True)
    parser.add_argument("--out", type=int, required=True)
    parser.add_argument("--role", choices=["offer", "answer"])
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.role:
        asyncio.run(run_peer(args.role, args.port))
        return
    me = [sys.executable, os.path.abspath(__file__), "--in", str(args.input), "--out", str(args.out)]
    offer = subprocess.Popen(me + ["--role", "offer", "--port", str(args.input)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    answer = subprocess.Popen(me + ["--role", "answer", "--port", str(args.out)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    children = [offer, answer]

    def stop(*_):
        for c in children:
            c.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        answer.stdin.write(read_child_line(offer, 30))
        answer.stdin.flush()
        offer.stdin.write(read_child_line(answer, 30))
        offer.stdin.flush()
        for c in children:
            if json.loads(read_child_line(c, 30)).get("type") != "connected":
                raise SystemExit("bench-media-aiortc: a peer did not connect")
    except BaseException:
        stop()
        raise
    write({"type": "ready", "pids": [offer.pid, answer.pid], "names": ["offer", "answer"]})
    sys.stdin.readline()
    stop()


if __name__ == "__main__":
    main()
