/// The page `ws-listen` serves at `/`: no external assets. It connects back over the
/// WebSocket on the same host and speaks rtc-transfer/1 (see `rtc send --help`).
///
/// Mode `listen` (served by `rtc listen`): the browser offers and sends the files dropped on
/// the page. Mode `send` (served by `rtc send`): the browser answers, receives the files and
/// offers them as downloads. `?loopback=1` asks for media permission first so Chromium offers
/// its 127.0.0.1 candidate (tests). `window.rtcResults` lists finished files for automation.
public enum TransferPage {
    /// The page for `mode` "send" (the browser receives) or "listen" (the browser sends).
    public static func html(mode: String) -> String {
        template.replacing("__MODE__", with: mode == "send" ? "send" : "listen")
    }

    static let template = #"""
<!doctype html>
<html><head><meta charset="utf-8"><title>rtc transfer</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font:15px system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;color:#222}
#drop{border:2px dashed #888;border-radius:8px;padding:2em;text-align:center;margin:1em 0}
#drop.over{background:#eef}
progress{width:100%}
li{margin:.4em 0}
.ok{color:#070}.bad{color:#a00}
</style></head><body>
<h1>rtc transfer</h1>
<p id="intro"></p>
<div id="drop" hidden>Drop files here or <input type="file" id="files" multiple></div>
<p id="status">connecting…</p>
<ul id="list"></ul>
<script>
"use strict";
const MODE = "__MODE__";
const CHUNK = 65536, HIGH = 4 << 20;
window.rtcResults = [];
const $ = (id) => document.getElementById(id);
const status = (t) => { $("status").textContent = t; };

// SHA-256, streaming (WebCrypto has no incremental digest).
class Sha256 {
  constructor() {
    this.h = new Uint32Array([0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19]);
    this.buf = new Uint8Array(64); this.n = 0; this.len = 0; this.w = new Uint32Array(64);
  }
  static K = new Uint32Array([0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]);
  block(b, o) {
    const w = this.w, K = Sha256.K, h = this.h;
    for (let i = 0; i < 16; i++) w[i] = (b[o+4*i]<<24)|(b[o+4*i+1]<<16)|(b[o+4*i+2]<<8)|b[o+4*i+3];
    for (let i = 16; i < 64; i++) {
      const a = w[i-15], c = w[i-2];
      const s0 = ((a>>>7)|(a<<25))^((a>>>18)|(a<<14))^(a>>>3);
      const s1 = ((c>>>17)|(c<<15))^((c>>>19)|(c<<13))^(c>>>10);
      w[i] = (w[i-16] + s0 + w[i-7] + s1) | 0;
    }
    let A=h[0],B=h[1],C=h[2],D=h[3],E=h[4],F=h[5],G=h[6],H=h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((E>>>6)|(E<<26))^((E>>>11)|(E<<21))^((E>>>25)|(E<<7));
      const t1 = (H + S1 + ((E&F)^(~E&G)) + K[i] + w[i]) | 0;
      const S0 = ((A>>>2)|(A<<30))^((A>>>13)|(A<<19))^((A>>>22)|(A<<10));
      const t2 = (S0 + ((A&B)^(A&C)^(B&C))) | 0;
      H=G; G=F; F=E; E=(D+t1)|0; D=C; C=B; B=A; A=(t1+t2)|0;
    }
    h[0]+=A; h[1]+=B; h[2]+=C; h[3]+=D; h[4]+=E; h[5]+=F; h[6]+=G; h[7]+=H;
  }
  update(d) {
    let i = 0; this.len += d.length;
    if (this.n) { while (this.n < 64 && i < d.length) this.buf[this.n++] = d[i++]; if (this.n === 64) { this.block(this.buf, 0); this.n = 0; } }
    for (; i + 64 <= d.length; i += 64) this.block(d, i);
    while (i < d.length) this.buf[this.n++] = d[i++];
  }
  hex() {
    const bits = this.len * 8, pad = new Uint8Array(((this.n < 56) ? 56 : 120) - this.n + 8);
    pad[0] = 0x80;
    const hi = Math.floor(bits / 4294967296), lo = bits >>> 0, e = pad.length;
    pad[e-8]=hi>>>24; pad[e-7]=hi>>>16; pad[e-6]=hi>>>8; pad[e-5]=hi; pad[e-4]=lo>>>24; pad[e-3]=lo>>>16; pad[e-2]=lo>>>8; pad[e-1]=lo;
    this.len -= 0; const saved = this.len; this.update(pad); this.len = saved;
    return Array.from(this.h, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
  }
}

function item(name) {
  const li = document.createElement("li");
  li.innerHTML = "<b></b> <span></span><br><progress max=1 value=0></progress>";
  li.querySelector("b").textContent = name;
  $("list").appendChild(li);
  return { li, set(t, frac, cls) { li.querySelector("span").textContent = t; if (frac !== undefined) li.querySelector("progress").value = frac; if (cls) li.className = cls; } };
}

const gathered = (pc) => new Promise((res) => {
  if (pc.iceGatheringState === "complete") return res();
  pc.addEventListener("icegatheringstatechange", () => { if (pc.iceGatheringState === "complete") res(); });
});

let ws, pc;
async function makePeer() {
  if (new URLSearchParams(location.search).get("loopback") && navigator.mediaDevices) {
    try { (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks().forEach((t) => t.stop()); } catch (e) {}
  }
  pc = new RTCPeerConnection({ iceServers: [] });
  pc.onconnectionstatechange = () => status("connection " + pc.connectionState);
  return pc;
}
function openSocket() {
  return new Promise((res, rej) => {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
    ws.onopen = () => res(ws);
    ws.onerror = () => { status("WebSocket error"); rej(new Error("ws")); };
    ws.onclose = () => status("signaling closed");
  });
}
const signal = (o) => ws.send(JSON.stringify(o));

// Browser sends (served by `rtc listen`).
async function sendFiles(files) {
  $("drop").hidden = true;
  await openSocket();
  await makePeer();
  let remoteSet = null;
  const ready = new Promise((r) => (remoteSet = r));
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "answer") { await pc.setRemoteDescription(m); remoteSet(); }
    else if (m.type === "candidate" && m.candidate) await pc.addIceCandidate(m);
  };
  const first = pc.createDataChannel(files[0].name, { protocol: "rtc-transfer/1" });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  signal({ type: "offer", sdp: pc.localDescription.sdp });
  await ready;
  let allOk = true;
  for (let i = 0; i < files.length; i++) {
    const ch = i === 0 ? first : pc.createDataChannel(files[i].name, { protocol: "rtc-transfer/1" });
    allOk = (await sendOne(ch, files[i])) && allOk;
  }
  signal({ type: "bye" });
  status(allOk ? "all files delivered and verified" : "some files failed");
  window.rtcDone = true;
  setTimeout(() => pc.close(), 500);
}

async function sendOne(ch, file) {
  const ui = item(file.name);
  ch.binaryType = "arraybuffer";
  ch.bufferedAmountLowThreshold = HIGH / 2;
  if (ch.readyState !== "open") await new Promise((r) => (ch.onopen = r));
  const verdict = new Promise((r) => { ch.onmessage = (e) => { if (typeof e.data === "string") r(JSON.parse(e.data)); }; ch.onclose = () => r({ ok: false, error: "closed" }); });
  const h = new Sha256(), t0 = performance.now();
  ch.send(JSON.stringify({ type: "header", name: file.name, size: file.size }));
  let off = 0;
  while (off < file.size) {
    if (ch.bufferedAmount > HIGH) await new Promise((r) => (ch.onbufferedamountlow = r));
    const bytes = new Uint8Array(await file.slice(off, off + CHUNK).arrayBuffer());
    h.update(bytes); ch.send(bytes); off += bytes.length;
    const s = (performance.now() - t0) / 1000;
    ui.set((off / 1e6 / Math.max(s, 0.001)).toFixed(1) + " MB/s", off / file.size);
  }
  const digest = h.hex();
  ch.send(JSON.stringify({ type: "end", bytes: off, sha256: digest }));
  const v = await verdict;
  const ok = v.ok === true && v.sha256 === digest;
  ui.set(ok ? "delivered, SHA-256 verified" : "failed: " + (v.error || "not verified"), 1, ok ? "ok" : "bad");
  window.rtcResults.push({ name: file.name, bytes: off, sha256: digest, verified: ok });
  ch.close();
  return ok;
}

// Browser receives (served by `rtc send`).
async function receiveFiles() {
  await makePeer();  // before the socket: the offer may come at once
  await openSocket();
  pc.ondatachannel = (e) => receiveOne(e.channel);
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "offer") {
      await pc.setRemoteDescription(m);
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      signal({ type: "answer", sdp: pc.localDescription.sdp });
    } else if (m.type === "candidate" && m.candidate) await pc.addIceCandidate(m);
    else if (m.type === "bye") { status("done"); window.rtcDone = true; }
  };
}

// A received file is held in memory (then handed to the browser as a Blob download), so the
// page refuses files above MAX_HELD bytes (1 GiB; ?max=N lowers or raises it). Streaming to
// disk would need the File System Access API (Chromium only, and showSaveFilePicker needs a
// user gesture per file) or a service worker; `rtc listen` is the tool for big files.
const MAX_HELD = Number(new URLSearchParams(location.search).get("max")) || (1 << 30);

function receiveOne(ch) {
  ch.binaryType = "arraybuffer";
  let header = null, ui = null, h = new Sha256(), n = 0, parts = [], t0 = 0, refused = false;
  const refuse = (why) => {
    refused = true; parts = [];
    ch.send(JSON.stringify({ type: "verdict", ok: false, bytes: n, sha256: "", error: why }));
    window.rtcResults.push({ name: header.name, bytes: n, sha256: "", verified: false, error: why });
    ui.set(why, 1, "bad");
  };
  ch.onmessage = (e) => {
    if (refused) return;
    if (typeof e.data === "string") {
      const m = JSON.parse(e.data);
      if (m.type === "header") {
        header = m; ui = item(m.name); t0 = performance.now();
        if (m.size > MAX_HELD) refuse("too large for the page, which holds a file in memory (limit " + MAX_HELD + " bytes): use rtc listen");
      }
      else if (m.type === "end") {
        const digest = h.hex();
        const ok = digest === m.sha256 && n === m.bytes;
        ch.send(JSON.stringify({ type: "verdict", ok, bytes: n, sha256: digest }));
        window.rtcResults.push({ name: header.name, bytes: n, sha256: digest, verified: ok });
        if (ok) {
          const a = document.createElement("a");
          a.href = URL.createObjectURL(new Blob(parts)); a.download = header.name.replace(/[\/\\]/g, "_");
          a.textContent = "save"; ui.li.appendChild(a); a.click();
        }
        ui.set(ok ? "received, SHA-256 verified" : "corrupt", 1, ok ? "ok" : "bad");
      }
    } else {
      const b = new Uint8Array(e.data); n += b.length;
      if (n > MAX_HELD) { refuse("too large for the page, which holds a file in memory (limit " + MAX_HELD + " bytes): use rtc listen"); return; }
      h.update(b); parts.push(b);
      const s = (performance.now() - t0) / 1000;
      ui.set((n / 1e6 / Math.max(s, 0.001)).toFixed(1) + " MB/s", header.size > 0 ? n / header.size : 0);
    }
  };
}

if (MODE === "listen") {
  $("intro").textContent = "Drop files here: they go to the shell running rtc listen.";
  $("drop").hidden = false;
  status("choose files to send");
  const go = (fl) => { if (fl.length) sendFiles(Array.from(fl)).catch((e) => status("error: " + e)); };
  $("files").onchange = () => go($("files").files);
  window.rtcSendFiles = go;
  $("drop").ondragover = (e) => { e.preventDefault(); $("drop").className = "over"; };
  $("drop").ondragleave = () => { $("drop").className = ""; };
  $("drop").ondrop = (e) => { e.preventDefault(); $("drop").className = ""; go(e.dataTransfer.files); };
} else {
  $("intro").textContent = "Files offered by rtc send arrive here as downloads. Each is held in memory until "
    + "it is saved, so files above " + (MAX_HELD / 1048576).toFixed(0) + " MiB are refused: use rtc listen for those.";
  receiveFiles().catch((e) => status("error: " + e));
}
</script></body></html>
"""#
}
