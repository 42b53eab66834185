#!/usr/bin/env python3
"""Regenerates the captured SDP samples in Tests/TestSupport/Corpus/ (dev tool, not run by CI).

Produces real offers and answers from aiortc (data channel, audio+video) and headless Chromium
(data channel, audio/video with simulcast, answer). No STUN/TURN servers are configured, so only
host candidates appear; every non-loopback address is rewritten to a documentation address
(192.0.2.100+ / 2001:db8::100+) so no machine address lands in the repository.

Usage: /tmp/venv/bin/python Scripts/gen-sdp-corpus.py [--only aiortc|chromium]
"""
import argparse
import asyncio
import ipaddress
import json
import os
import re
import sys

CORPUS = os.path.join(os.path.dirname(__file__), "..", "Tests", "TestSupport", "Corpus")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "interop"))


class Scrubber:
    """Maps each non-loopback address to a stable documentation address."""

    def __init__(self):
        self.map = {}

    def _replace(self, text, pattern, make):
        def sub(m):
            s = m.group(0)
            try:
                ip = ipaddress.ip_address(s)
            except ValueError:
                return s
            if ip.is_loopback or ip.is_unspecified:
                return s
            if s not in self.map:
                self.map[s] = make(len(self.map))
            return self.map[s]

        return re.sub(pattern, sub, text)

    def __call__(self, sdp):
        sdp = self._replace(sdp, r"(?<![\w.:])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])", lambda n: f"192.0.2.{100 + n}")
        # IPv6 only where SDP puts addresses: after "IN IP6 " and in candidate / raddr fields.
        sdp = self._replace(sdp, r"(?<=[ ])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?=[ \r])",
                            lambda n: f"2001:db8::{100 + n:x}")
        return sdp


def save(name, desc_type, sdp, scrub):
    sdp = scrub(sdp)
    path = os.path.join(CORPUS, name)
    with open(path, "w", newline="") as f:
        f.write(sdp)
    print(f"wrote {path} ({desc_type}, {sdp.count(chr(10))} lines)")


async def aiortc_samples(scrub):
    from aiortc import RTCConfiguration, RTCPeerConnection
    from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

    cfg = RTCConfiguration(iceServers=[])

    # Data channel offer + answer.
    a, b = RTCPeerConnection(cfg), RTCPeerConnection(cfg)
    a.createDataChannel("chat")
    await a.setLocalDescription(await a.createOffer())
    save("aiortc-datachannel-offer.sdp", "offer", a.localDescription.sdp, scrub)
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    save("aiortc-datachannel-answer.sdp", "answer", b.localDescription.sdp, scrub)
    await a.close()
    await b.close()

    # Audio + video + data offer and answer.
    a, b = RTCPeerConnection(cfg), RTCPeerConnection(cfg)
    a.addTrack(AudioStreamTrack())
    a.addTrack(VideoStreamTrack())
    a.createDataChannel("data")
    await a.setLocalDescription(await a.createOffer())
    save("aiortc-av-offer.sdp", "offer", a.localDescription.sdp, scrub)
    b.addTrack(AudioStreamTrack())
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    save("aiortc-av-answer.sdp", "answer", b.localDescription.sdp, scrub)
    await a.close()
    await b.close()


CHROMIUM_JS = """
const done = arguments[arguments.length - 1];
(async () => {
  const out = {};
  const gathered = pc => new Promise(r => {
    if (pc.iceGatheringState === 'complete') return r();
    pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r(); });
  });
  // Data channel offer.
  let pc = new RTCPeerConnection({iceServers: []});
  pc.createDataChannel('chat');
  await pc.setLocalDescription();
  await gathered(pc);
  out.dcOffer = pc.localDescription.sdp;
  pc.close();
  // Audio/video offer with simulcast, and the answer from a second peer.
  const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: {width: 1280, height: 720}});
  const a = new RTCPeerConnection({iceServers: []});
  const b = new RTCPeerConnection({iceServers: []});
  a.addTransceiver(stream.getAudioTracks()[0], {direction: 'sendrecv', streams: [stream]});
  a.addTransceiver(stream.getVideoTracks()[0], {direction: 'sendonly', streams: [stream], sendEncodings: [
    {rid: 'q', scaleResolutionDownBy: 4}, {rid: 'h', scaleResolutionDownBy: 2}, {rid: 'f'}]});
  a.createDataChannel('data');
  await a.setLocalDescription();
  await gathered(a);
  out.avOffer = a.localDescription.sdp;
  // The answerer receives simulcast; Chromium answers with a=simulcast:recv.
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await gathered(b);
  out.avAnswer = b.localDescription.sdp;
  a.close(); b.close();
  stream.getTracks().forEach(t => t.stop());
  // Audio + video offer without simulcast (plain camera).
  const c = new RTCPeerConnection({iceServers: []});
  const s2 = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
  s2.getTracks().forEach(t => c.addTrack(t, s2));
  await c.setLocalDescription();
  await gathered(c);
  out.avPlainOffer = c.localDescription.sdp;
  c.close();
  s2.getTracks().forEach(t => t.stop());
  return out;
})().then(done, e => done({error: String(e)}));
"""


def chromium_samples(scrub):
    import chromium  # Scripts/interop/chromium.py: the one Chromium start-up all harnesses share

    driver = chromium.start(script_timeout=60)
    try:
        # getUserMedia needs a secure context: the blank page on 127.0.0.1 is one, a data: URL is not.
        driver.get(chromium.serve_blank_page())
        out = driver.execute_async_script(CHROMIUM_JS)
    finally:
        driver.quit()
    if "error" in out:
        raise SystemExit("chromium: " + out["error"])
    save("chromium-datachannel-offer.sdp", "offer", out["dcOffer"], scrub)
    save("chromium-simulcast-offer.sdp", "offer", out["avOffer"], scrub)
    save("chromium-simulcast-answer.sdp", "answer", out["avAnswer"], scrub)
    save("chromium-av-offer.sdp", "offer", out["avPlainOffer"], scrub)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--only", choices=["aiortc", "chromium"])
    args = p.parse_args()
    scrub = Scrubber()
    if args.only in (None, "aiortc"):
        asyncio.run(aiortc_samples(scrub))
    if args.only in (None, "chromium"):
        chromium_samples(scrub)
    print(json.dumps(scrub.map))


if __name__ == "__main__":
    main()
