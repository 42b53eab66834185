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
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

os.environ.setdefault("SE_AVOID_STATS", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

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


class BlankPage(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>rtc echo</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_blank_page():
    """A page on 127.0.0.1: a secure context, so getUserMedia exists (about:blank has none)."""
    server = HTTPServer(("127.0.0.1", 0), BlankPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def loopback_candidates_only(desc):
    """The network rule: tests talk over loopback only, so drop the browser's other addresses."""
    lines = desc["sdp"].split("\r\n")
    kept = [l for l in lines if not l.startswith("a=candidate:") or l.split()[4] in ("127.0.0.1", "::1")]
    return {"type": desc["type"], "sdp": "\r\n".join(kept)}


def log(*args):
    print("chromium_echo:", *args, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["offer", "answer"])
    parser.add_argument("--label", default="chat")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--mdns", action="store_true", help="keep Chromium's mDNS candidate hiding on")
    args = parser.parse_args()

    profile = tempfile.mkdtemp(prefix="rtc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/lib/chromium/chromium"
    flags = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}",
    ]
    if not args.mdns:
        flags += ["--allow-loopback-in-peer-connection", "--use-fake-ui-for-media-stream",
                  "--use-fake-device-for-media-stream", "--disable-features=WebRtcHideLocalIpsWithMdns"]
    for flag in flags:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(60)
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
