#!/usr/bin/env python3
"""Headless Chromium as a media peer for test_media.py, signaled like chromium_echo.py (one JSON
description line each way on stdin/stdout) or by WHIP/WHEP straight from the page.

    chromium_media.py offer [--video vp8|h264] [--audio] [--data]
        sends its fake camera (and microphone) sendonly: prints the offer, reads the answer
    chromium_media.py answer
        answers an offer, receiving what it offers (a <video> element plays it)
    chromium_media.py whip URL [--video ...] [--audio]
        the page POSTs its camera offer as application/sdp to URL (WHIP, RFC 9725) and applies
        the 201's answer; DELETEs the resource (Location) at the end
    chromium_media.py whep URL
        the page POSTs a recvonly offer to URL (WHEP) and plays the answer's media

Then, every --interval seconds, one line {"type":"stats", "state": connectionState,
"settings": {"width","height"} (camera), "send": {"video": {...}, "audio": {...}},
"recv": {"video": {...}, "audio": {...}}} with getStats()'s outbound-rtp / inbound-rtp fields
(codec, frames, frameWidth/Height, packets, bytes). WHIP/WHEP print {"type":"http",
"status":N,"location":...} first. Exits on stdin EOF or after --timeout s.

Loopback only: media permission is granted (fake devices), so Chromium gathers 127.0.0.1, and
every other candidate is dropped from the descriptions it hands out. The sender keeps its
resolution (degradationPreference "maintain-resolution") so the receiver's frames have the
camera's size even on a loaded machine.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time

import chromium
from chromium import loopback_candidates_only, serve_blank_page

PAGE_JS = r"""
window.gathered = function(pc) {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
};
window.loopbackOnly = function(sdp) {
  return sdp.split('\r\n').filter(l => !l.startsWith('a=candidate:') ||
    ['127.0.0.1', '::1'].includes(l.split(' ')[4])).join('\r\n');
};
window.makePeer = async function(send, videoCodec, audio, data) {
  // Media permission first: only then does Chromium gather its 127.0.0.1 candidate.
  const stream = await navigator.mediaDevices.getUserMedia(
    {audio: true, video: {width: 640, height: 480, frameRate: 30}});
  const pc = new RTCPeerConnection({iceServers: []});
  window.pc = pc;
  window.settings = {};
  if (send) {
    const video = stream.getVideoTracks()[0];
    window.settings = video.getSettings();
    const tv = pc.addTransceiver(video, {direction: 'sendonly', streams: [stream]});
    if (videoCodec) {
      // The wanted codec first; the others stay offered (the answerer picks).
      const want = 'video/' + videoCodec.toLowerCase();
      const codecs = RTCRtpSender.getCapabilities('video').codecs;
      const first = codecs.filter(c => c.mimeType.toLowerCase() === want);
      if (!first.length) throw new Error('Chromium has no ' + want);
      tv.setCodecPreferences(first.concat(codecs.filter(c => c.mimeType.toLowerCase() !== want)));
    }
    const params = tv.sender.getParameters();
    params.degradationPreference = 'maintain-resolution';
    await tv.sender.setParameters(params);
    if (audio) pc.addTransceiver(stream.getAudioTracks()[0], {direction: 'sendonly', streams: [stream]});
    else stream.getAudioTracks().forEach(t => t.stop());
  } else {
    stream.getTracks().forEach(t => t.stop());
  }
  if (data) window.channel = pc.createDataChannel('chat');
  pc.ontrack = (e) => {
    if (e.track.kind !== 'video') return;
    const v = document.createElement('video');
    v.muted = true; v.autoplay = true; v.playsInline = true;
    v.srcObject = new MediaStream([e.track]);
    document.body.appendChild(v);
    v.play().catch(() => {});
  };
  return pc;
};
window.mediaStats = async function() {
  const pc = window.pc;
  const out = {type: 'stats', state: pc ? pc.connectionState : 'none',
               settings: {width: window.settings.width, height: window.settings.height},
               send: {}, recv: {}};
  if (!pc) return out;
  const report = await pc.getStats();
  const codecs = {};
  report.forEach(s => { if (s.type === 'codec') codecs[s.id] = s.mimeType.split('/')[1].toLowerCase(); });
  report.forEach(s => {
    if (s.type !== 'transport') return;
    out.transport = {iceState: s.iceState, selectedCandidatePairChanges: s.selectedCandidatePairChanges,
                     iceLocalUsernameFragment: s.iceLocalUsernameFragment};
    const pair = s.selectedCandidatePairId && report.get(s.selectedCandidatePairId);
    if (pair) out.transport.pairBytesReceived = pair.bytesReceived;
  });
  report.forEach(s => {
    if (s.type !== 'outbound-rtp' && s.type !== 'inbound-rtp') return;
    const side = s.type === 'outbound-rtp' ? out.send : out.recv;
    const fields = ['packetsSent', 'bytesSent', 'framesSent', 'framesEncoded', 'keyFramesEncoded',
                    'packetsReceived', 'bytesReceived', 'packetsLost', 'framesDecoded',
                    'framesReceived', 'keyFramesDecoded', 'frameWidth', 'frameHeight',
                    'totalSamplesReceived', 'nackCount', 'pliCount', 'firCount', 'ssrc',
                    'retransmittedPacketsSent', 'retransmittedPacketsReceived', 'rtxSsrc'];
    const t = {codec: codecs[s.codecId] || null};
    fields.forEach(f => { if (s[f] !== undefined) t[f] = s[f]; });
    side[s.kind] = t;
  });
  return out;
};
// ICE restart through the WHIP/WHEP resource (RFC 9725 §4.4.1), as a WHIP client does it: a
// new offer with iceRestart, its credentials and candidates PATCHed as a fragment with
// If-Match *, the 200's credentials and candidates put into the previous answer.
window.iceRestart = async function() {
  const pc = window.pc;
  await pc.setLocalDescription(await pc.createOffer({iceRestart: true}));
  const ufragOf = (sdp) => (sdp.split('\r\n').find(l => l.startsWith('a=ice-ufrag:')) || '').slice(12);
  const ufrag = ufragOf(pc.localDescription.sdp);
  for (let i = 0; i < 100 && pc.iceGatheringState !== 'complete'; i++) await new Promise(r => setTimeout(r, 50));
  const lines = window.loopbackOnly(pc.localDescription.sdp).split('\r\n');
  const first = lines.findIndex(l => l.startsWith('m='));
  const next = lines.findIndex((l, i) => i > first && l.startsWith('m='));
  const section = lines.slice(first, next < 0 ? undefined : next);
  const frag = [lines.find(l => l.startsWith('a=ice-ufrag:')), lines.find(l => l.startsWith('a=ice-pwd:')),
                section[0], section.find(l => l.startsWith('a=mid:')),
                ...section.filter(l => l.startsWith('a=candidate:')), 'a=end-of-candidates'].join('\r\n') + '\r\n';
  const r = await fetch(window.resource, {method: 'PATCH', body: frag,
      headers: {'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '*'}});
  const text = await r.text();
  if (r.status !== 200) return {type: 'ice-restart', status: r.status, error: text.slice(0, 300)};
  const got = text.split(/\r?\n/);
  const pick = (p) => (got.find(l => l.startsWith(p)) || '').slice(p.length);
  const remoteUfrag = pick('a=ice-ufrag:'), remotePwd = pick('a=ice-pwd:');
  const candidates = got.filter(l => l.startsWith('a=candidate:'));
  // The previous answer with the new credentials; the new candidates in its first section.
  let seen = false;
  const answer = pc.remoteDescription.sdp.split('\r\n').flatMap(l => {
    if (l.startsWith('a=ice-ufrag:')) return ['a=ice-ufrag:' + remoteUfrag];
    if (l.startsWith('a=ice-pwd:')) return ['a=ice-pwd:' + remotePwd];
    if (l.startsWith('a=candidate:') || l.startsWith('a=end-of-candidates')) return [];
    if (l.startsWith('a=mid:') && !seen) { seen = true; return [l, ...candidates, 'a=end-of-candidates']; }
    return [l];
  }).join('\r\n');
  await pc.setRemoteDescription({type: 'answer', sdp: answer});
  return {type: 'ice-restart', status: 200, ufrag, remoteUfrag, etag: r.headers.get('ETag'),
          candidates: candidates.length};
};
window.httpSignal = async function(url, kind, videoCodec, audio) {
  const send = kind === 'whip';
  const pc = await window.makePeer(send, videoCodec, audio, false);
  if (!send) {
    pc.addTransceiver('video', {direction: 'recvonly'});
    pc.addTransceiver('audio', {direction: 'recvonly'});
  }
  await pc.setLocalDescription(await pc.createOffer());
  await window.gathered(pc);
  const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/sdp'},
                              body: window.loopbackOnly(pc.localDescription.sdp)});
  const text = await r.text();
  const location = r.headers.get('Location');
  window.resource = location ? new URL(location, url).href : null;
  if (r.status !== 201) return {type: 'http', status: r.status, location, error: text.slice(0, 500)};
  await pc.setRemoteDescription({type: 'answer', sdp: text});
  return {type: 'http', status: r.status, location,
          contentType: r.headers.get('Content-Type')};
};
"""


def log(*args):
    print("chromium_media:", *args, file=sys.stderr, flush=True)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def start_browser(profile):
    return chromium.start(extra=["--autoplay-policy=no-user-gesture-required"], profile=profile)


def run_async(driver, body, *args):
    """Runs an async JS body (arguments in `args`, result returned) and fails on an exception."""
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; const args = Array.from(arguments).slice(0, -1);"
        "(async () => {" + body + "})().then(done, e => done({error: String(e)}));", *args)
    if isinstance(result, dict) and "error" in result and result.get("type") != "http":
        raise SystemExit("chromium_media: " + result["error"])
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["offer", "answer", "whip", "whep"])
    parser.add_argument("url", nargs="?", help="the WHIP/WHEP endpoint")
    parser.add_argument("--video", default="vp8", help="the video codec offered first (offer, whip)")
    parser.add_argument("--audio", action="store_true", help="also send the microphone (offer, whip)")
    parser.add_argument("--data", action="store_true", help="also offer a data channel (offer)")
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--ice-restart-after", type=float, help="whip/whep: restart ICE after this many seconds")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    if args.role in ("whip", "whep") and not args.url:
        parser.error(f"{args.role} needs the endpoint URL")

    stdin_closed = threading.Event()
    profile = tempfile.mkdtemp(prefix="rtc-chromium-media-")
    driver = start_browser(profile)
    try:
        driver.get(serve_blank_page())
        driver.execute_script(PAGE_JS)
        if args.role == "offer":
            offer = run_async(driver, """
                const pc = await window.makePeer(true, args[0], args[1], args[2]);
                await pc.setLocalDescription(await pc.createOffer());
                await window.gathered(pc);
                return {type: pc.localDescription.type, sdp: pc.localDescription.sdp};
            """, args.video, args.audio, args.data)
            emit(loopback_candidates_only(offer))
            answer = json.loads(sys.stdin.readline())
            run_async(driver, "await window.pc.setRemoteDescription(args[0]); return 'ok';", answer)
        elif args.role == "answer":
            offer = json.loads(sys.stdin.readline())
            answer = run_async(driver, """
                const pc = await window.makePeer(false, null, false, false);
                await pc.setRemoteDescription(args[0]);
                await pc.setLocalDescription(await pc.createAnswer());
                await window.gathered(pc);
                return {type: pc.localDescription.type, sdp: pc.localDescription.sdp};
            """, offer)
            emit(loopback_candidates_only(answer))
        else:
            reply = run_async(driver, "return await window.httpSignal(...args);",
                              args.url, args.role, args.video, args.audio)
            emit(reply)
            if reply.get("status") != 201:
                raise SystemExit(f"chromium_media: {args.role} POST gave {reply.get('status')}")
        threading.Thread(target=lambda: (sys.stdin.read(), stdin_closed.set()), daemon=True).start()
        started = time.monotonic()
        deadline = started + args.timeout
        restart_at = started + args.ice_restart_after if args.ice_restart_after is not None else None
        while not stdin_closed.wait(args.interval) and time.monotonic() < deadline:
            if restart_at is not None and time.monotonic() >= restart_at:
                restart_at = None
                emit(run_async(driver, "return await window.iceRestart();"))
            emit(run_async(driver, "return await window.mediaStats();"))
        if args.role in ("whip", "whep"):
            status = run_async(driver, """
                if (!window.resource) return 0;
                const r = await fetch(window.resource, {method: 'DELETE'});
                return r.status;""")
            log("DELETE", status)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
