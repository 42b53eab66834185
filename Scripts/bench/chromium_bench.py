#!/usr/bin/env python3
"""Headless Chromium in-page loopback throughput: two RTCPeerConnections in one page, 64 KiB
messages on a reliable ordered channel, same back-pressure rule as rtc bench (wait above 2 MiB
buffered, resume at bufferedAmountLowThreshold 1 MiB), --bytes or at most --duration seconds,
timed from the first send to the receiver's last byte. The page is served from 127.0.0.1 (a
secure context). Chromium starts as every harness starts it (Scripts/interop/chromium.py).

    chromium_bench.py [--bytes N] [--duration S]    prints {"message_size":..,"bytes":..,"seconds":..,"mb_per_s":..}
"""
import argparse
import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))

PAGE = """<!doctype html><meta charset="utf-8"><title>bench</title><script>
async function bench(total, maxSeconds, size) {
  const a = new RTCPeerConnection({iceServers: []}), b = new RTCPeerConnection({iceServers: []});
  a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate);
  const ch = a.createDataChannel("tp", {ordered: true});
  let got = 0, last = 0;
  const received = new Promise(resolve => {
    b.ondatachannel = e => { e.channel.binaryType = "arraybuffer";
      e.channel.onmessage = m => { got += m.data.byteLength; last = performance.now(); }; resolve(); };
  });
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
  await new Promise((res, rej) => { ch.onopen = res; setTimeout(() => rej("open timeout"), 10000); });
  await received;
  const chunk = new Uint8Array(size).fill(0xa5);
  const high = 2 << 20; ch.bufferedAmountLowThreshold = high / 2;
  let sent = 0; const start = performance.now(), deadline = start + maxSeconds * 1000;
  await new Promise(resolve => {
    const pump = () => {
      while (sent < total && ch.bufferedAmount < high && performance.now() < deadline) { ch.send(chunk); sent += size; }
      if (sent >= total || performance.now() >= deadline) { ch.onbufferedamountlow = null; resolve(); }
    };
    ch.onbufferedamountlow = pump; pump();
    const tick = setInterval(() => { pump(); if (sent >= total || performance.now() >= deadline) clearInterval(tick); }, 5);
  });
  const settle = performance.now() + 30000;
  while (got < sent && performance.now() < settle) await new Promise(r => setTimeout(r, 2));
  a.close(); b.close();
  const seconds = Math.max(1e-9, (last - start) / 1000);
  return {message_size: size, bytes: got, sent_bytes: sent, seconds: seconds, mb_per_s: got / seconds / 1e6};
}
</script>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def measure(total, max_seconds, size=65536):
    import chromium

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # No fake media devices: the page only needs its two peers' host candidates shown.
    driver = chromium.start(loopback=False, extra=["--disable-features=WebRtcHideLocalIpsWithMdns"],
                            script_timeout=max_seconds + 60)
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
        result = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "bench(arguments[0], arguments[1], arguments[2]).then(done, e => done({error: String(e)}));",
            total, max_seconds, size)
    finally:
        driver.quit()
        server.shutdown()
    if "error" in result:
        raise RuntimeError(result["error"])
    result["seconds"] = round(result["seconds"], 3)
    result["mb_per_s"] = round(result["mb_per_s"], 3)
    result["ordered"] = True
    result["reliability"] = "reliable"
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bytes", type=int, default=256 << 20)
    parser.add_argument("--duration", type=float, default=1.5)
    args = parser.parse_args()
    print(json.dumps(measure(args.bytes, args.duration), sort_keys=True))
