#!/usr/bin/env python3
"""An aiortc media peer for test_media.py, signaled like aiortc_echo.py (one JSON description
line each way on stdin/stdout).

    aiortc_media.py offer [--video] [--audio] [--data]
        sends synthetic tracks: a moving 320x240 test pattern (VideoStreamTrack filling an
        av.VideoFrame's planes, no numpy) and a 440 Hz tone; prints the offer, reads the answer
    aiortc_media.py answer [--record-video FILE] [--record-audio FILE]
        answers an offer and records the video / audio track it receives with MediaRecorder
        (container from FILE's extension, e.g. .mkv / .ogg; one recorder per track: aiortc's
        recorder cannot mix an audio and a video track that start at different times)

Then, every --interval seconds, {"type":"stats","state":...,"tracks":[{"kind","direction",
"packetsSent"/"packetsReceived",...}]} from getStats(). Received tracks are announced as
{"type":"track","kind":...}. Exits (stopping the recorder, so the file is complete) on stdin
EOF, when the connection fails or closes, or after --timeout s.

Only loopback: host candidates restricted to 127.0.0.1 and no STUN server.
"""
import argparse
import asyncio
import fractions
import json
import math
import struct
import sys

import aioice.ice
import av
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription,
                    VideoStreamTrack)
from aiortc.contrib.media import MediaRecorder

WIDTH, HEIGHT = 320, 240
AUDIO_RATE, AUDIO_SAMPLES = 48000, 960  # 20 ms frames


def loopback_only(use_ipv4=True, use_ipv6=True):
    return ["127.0.0.1"]


def log(*args):
    print("aiortc_media:", *args, file=sys.stderr, flush=True)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


async def read_line():
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


class PatternTrack(VideoStreamTrack):
    """Moving gradient bars (every frame differs, so the encoder sends real inter frames)."""

    def __init__(self):
        super().__init__()
        self.count = 0

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        shift = self.count * 4
        row = bytes((x + shift) % 256 for x in range(WIDTH))
        y_plane = frame.planes[0]
        y_plane.update(row * HEIGHT if y_plane.line_size == WIDTH else
                       (row + bytes(y_plane.line_size - WIDTH)) * HEIGHT)
        for plane in frame.planes[1:]:
            plane.update(bytes([(128 + self.count) % 256]) * (plane.line_size * (HEIGHT // 2)))
        frame.pts, frame.time_base = pts, time_base
        self.count += 1
        return frame


class ToneTrack(MediaStreamTrack):
    """A 440 Hz tone, 20 ms mono s16 frames paced in real time."""
    kind = "audio"

    def __init__(self):
        super().__init__()
        self.samples = 0
        self.start = None

    async def recv(self):
        loop = asyncio.get_running_loop()
        if self.start is None:
            self.start = loop.time()
        wait = self.start + self.samples / AUDIO_RATE - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        pcm = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (self.samples + i) / AUDIO_RATE)))
                       for i in range(AUDIO_SAMPLES))
        frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_SAMPLES)
        frame.planes[0].update(pcm)
        frame.sample_rate = AUDIO_RATE
        frame.pts = self.samples
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        self.samples += AUDIO_SAMPLES
        return frame


async def stats_of(pc):
    report = await pc.getStats()
    tracks = []
    for s in report.values():
        if s.type == "outbound-rtp":
            tracks.append({"kind": s.kind, "direction": "send", "ssrc": s.ssrc,
                           "packetsSent": s.packetsSent, "bytesSent": s.bytesSent})
        elif s.type == "inbound-rtp":
            tracks.append({"kind": s.kind, "direction": "recv", "ssrc": s.ssrc,
                           "packetsReceived": s.packetsReceived, "bytesReceived": getattr(s, "bytesReceived", None),
                           "packetsLost": s.packetsLost})
    return {"type": "stats", "state": pc.connectionState, "tracks": tracks}


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["offer", "answer"])
    parser.add_argument("--video", action="store_true", help="send the test pattern (offer)")
    parser.add_argument("--audio", action="store_true", help="send the tone (offer)")
    parser.add_argument("--data", action="store_true", help="also offer a data channel (offer)")
    parser.add_argument("--record-video", help="record the received video into this file")
    parser.add_argument("--record-audio", help="record the received audio into this file")
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    aioice.ice.get_host_addresses = loopback_only
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    done = asyncio.Event()
    files = {"video": args.record_video, "audio": args.record_audio}
    recorders = {kind: MediaRecorder(path) for kind, path in files.items() if path}

    @pc.on("connectionstatechange")
    async def on_state():
        log("connection state", pc.connectionState)
        if pc.connectionState in ("failed", "closed"):
            done.set()

    tracks = []  # announced after the description line (the answerer sees them before it answers)

    @pc.on("track")
    def on_track(track):
        tracks.append(track.kind)
        if track.kind in recorders:
            recorders[track.kind].addTrack(track)

    if args.role == "offer":
        if args.video:
            pc.addTransceiver(PatternTrack(), direction="sendonly")
        if args.audio:
            pc.addTransceiver(ToneTrack(), direction="sendonly")
        if args.data:
            pc.createDataChannel("chat")
        await pc.setLocalDescription(await pc.createOffer())
        emit({"type": pc.localDescription.type, "sdp": pc.localDescription.sdp})
        answer = json.loads(await read_line())
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
    else:
        offer = json.loads(await read_line())
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
        await pc.setLocalDescription(await pc.createAnswer())
        emit({"type": pc.localDescription.type, "sdp": pc.localDescription.sdp})
    for kind in tracks:
        emit({"type": "track", "kind": kind})
    for recorder in recorders.values():
        await recorder.start()

    stdin_task = asyncio.ensure_future(read_line_until_eof())
    stdin_task.add_done_callback(lambda _: done.set())
    deadline = asyncio.get_running_loop().time() + args.timeout
    while not done.is_set() and asyncio.get_running_loop().time() < deadline:
        try:
            await asyncio.wait_for(done.wait(), args.interval)
        except asyncio.TimeoutError:
            emit(await stats_of(pc))
    for recorder in recorders.values():
        await recorder.stop()
    await pc.close()


async def read_line_until_eof():
    while await read_line():
        pass


if __name__ == "__main__":
    asyncio.run(main())
