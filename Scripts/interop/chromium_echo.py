#!/usr/bin/env python3
"""Headless Chromium as an echo peer, with the same stdin/stdout signaling as aiortc_echo.py.

    chromium_echo.py answer   reads an offer line, prints the browser's answer line
    chromium_echo.py offer    prints the browser's offer (channel --label), reads the answer

Every data-channel message the page receives is sent back on the same channel. Non-trickle: the
description is printed after ICE gathering completes. Loopback only: the page gets media
permission (fake devices) so Chromium offers its 127.0.0.1 host candidate; no ICE servers.

    --mdns    as a browser does by default: no media permission and mDNS hiding on, so the host
              candidate is a `<uuid>.local` name Chromium answers mDNS queries for. Run it in a
              network namespace (Scripts/interop/test_mdns_chromium.py); the description is
              passed on unfiltered.
"""
import argparse
import json
import sys
import time

import chromium
from chromium import loopback_candidates_only, serve_blank_page

PAGE_JS = r"""
window.rtcLog = [];
window.echoCount = 0;
window.pcState = 'new';
window.echoOn = function(ch) {
  ch.binaryType = 'arraybuffer';
  ch.onmessage = (e) => { window.echoCount++; ch.send(e.data); };
  ch.onclose = () => { window.rtcLog.push('close ' + ch.label); };
}
window.makePeer = async function() {
  if (!window.mdnsMode) {
    const stream = await navigator.mediaDevices.getUserMedia({audio: true});
    stream.getTracks().forEach(t => t.stop());
  }
  const pc = new RTCPeerConnection({iceServers: []});
  window.pc = pc;
  pc.onconnectionstatechange = () => { window.pcState = pc.connectionState; };
  pc.ondatachannel = (e) => window.echoOn(e.channel);
  return pc;
};
window.gathered = function(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
};
"""


def log(*args):
    print("chromium_echo:", *args, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["offer", "answer"])
    parser.add_argument("--label", default="chat")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--mdns", action="store_true", help="keep Chromium's mDNS candidate hiding on")
    args = parser.parse_args()

    driver = chromium.start(loopback=not args.mdns)
    try:
        driver.get(serve_blank_page())
        driver.execute_script(PAGE_JS)
        driver.execute_script("window.mdnsMode = arguments[0]", args.mdns)
        visible = (lambda d: d) if args.mdns else loopback_candidates_only
        if args.role == "offer":
            offer = driver.execute_async_script("""
                const [label, done] = arguments;
                (async () => {
                  const pc = await window.makePeer();
                  window.echoOn(pc.createDataChannel(label));
                  await pc.setLocalDescription(await pc.createOffer());
                  await window.gathered(pc);
                  done({type: pc.localDescription.type, sdp: pc.localDescription.sdp});
                })().catch(e => done({error: String(e)}));
            """, args.label)
            if "error" in offer:
                raise SystemExit("chromium_echo: " + offer["error"])
            print(json.dumps(visible(offer), sort_keys=True), flush=True)
            answer = json.loads(sys.stdin.readline())
            result = driver.execute_async_script("""
                const [answer, done] = arguments;
                window.pc.setRemoteDescription(answer).then(() => done('ok'), e => done(String(e)));
            """, answer)
        else:
            offer = json.loads(sys.stdin.readline())
            answer = driver.execute_async_script("""
                const [offer, done] = arguments;
                (async () => {
                  const pc = await window.makePeer();
                  await pc.setRemoteDescription(offer);
                  await pc.setLocalDescription(await pc.createAnswer());
                  await window.gathered(pc);
                  done({type: pc.localDescription.type, sdp: pc.localDescription.sdp});
                })().catch(e => done({error: String(e)}));
            """, offer)
            if "error" in answer:
                raise SystemExit("chromium_echo: " + answer["error"])
            print(json.dumps(visible(answer), sort_keys=True), flush=True)
            result = "ok"
        if result != "ok":
            raise SystemExit("chromium_echo: setRemoteDescription failed: " + result)
        deadline = time.time() + args.timeout
        seen_connected = False
        while time.time() < deadline:
            state = driver.execute_script("return window.pcState")
            if state == "connected":
                seen_connected = True
            if state in ("failed", "closed") or (seen_connected and state == "disconnected"):
                break
            closed = driver.execute_script("return window.rtcLog.some(l => l.startsWith('close'))")
            if closed:
                break
            time.sleep(0.1)
        log("state", driver.execute_script("return window.pcState"),
            "echoed", driver.execute_script("return window.echoCount"), "messages")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
