#!/usr/bin/python3
"""GStreamer's webrtcbin as a WHIP publisher (RFC 9725), for test_media.py. Debian's Python
(python3-gst-1.0, gir1.2-gst-plugins-bad-1.0), not the test venv:

    gst_whip.py URL [--seconds S]

Publishes a live 320x240 30 fps test pattern as VP8 (sendonly, max-bundle): creates the offer,
waits for ICE gathering to complete, POSTs it as application/sdp to URL, applies the 201's
answer. Prints {"type":"http","status":N,"location":...} and then {"type":"state",...} lines
as webrtcbin's ICE and connection states change. On stdin EOF, after --seconds of being
connected, or after --timeout, it DELETEs the resource (Location) and exits 0; a failed POST
or connection exits 1.

libnice gathers on every interface: run it in a network namespace whose only address is
127.0.0.1 (media.LoopbackNamespace).
"""
import argparse
import json
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstWebRTC", "1.0")
gi.require_version("GstSdp", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

PIPELINE = ("videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
            "! videoconvert ! vp8enc deadline=1 keyframe-max-dist=30 target-bitrate=500000 "
            "! rtpvp8pay pt=96 mtu=1200 ! application/x-rtp,media=video,encoding-name=VP8,payload=96 "
            "! webrtcbin name=webrtc bundle-policy=max-bundle")


def log(*args):
    print("gst_whip:", *args, file=sys.stderr, flush=True)


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


class Publisher:
    def __init__(self, url, timeout, seconds):
        self.url = url
        self.timeout = timeout
        self.seconds = seconds
        self.location = None
        self.status = 1
        self.loop = GLib.MainLoop()
        self.pipe = Gst.parse_launch(PIPELINE)
        self.webrtc = self.pipe.get_by_name("webrtc")
        self.webrtc.connect("on-negotiation-needed", self.on_negotiation_needed)
        self.webrtc.connect("notify::ice-gathering-state", self.on_gathering)
        self.webrtc.connect("notify::ice-connection-state", self.on_state)
        self.webrtc.connect("notify::connection-state", self.on_state)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.on_error)
        self.offered = False

    def on_error(self, bus, message):
        err, debug = message.parse_error()
        log("pipeline error:", err.message, debug)
        self.finish(1)

    def on_negotiation_needed(self, element):
        trans = element.emit("get-transceiver", 0)
        if trans is not None:
            trans.set_property("direction", GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
        promise = Gst.Promise.new_with_change_func(self.on_offer, element, None)
        element.emit("create-offer", None, promise)

    def on_offer(self, promise, element, _):
        promise.wait()
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply is not None else None
        if offer is None:
            log("create-offer failed:", reply.to_string() if reply is not None else "no reply")
            GLib.idle_add(self.finish, 1)
            return
        element.emit("set-local-description", offer, Gst.Promise.new())

    def on_gathering(self, element, _):
        state = element.get_property("ice-gathering-state")
        if state == GstWebRTC.WebRTCICEGatheringState.COMPLETE and not self.offered:
            self.offered = True
            sdp = element.get_property("local-description").sdp.as_text()
            threading.Thread(target=self.post, args=(sdp,), daemon=True).start()

    def post(self, sdp):
        req = urllib.request.Request(self.url, data=sdp.encode(), method="POST",
                                     headers={"Content-Type": "application/sdp"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                status, body, location = r.status, r.read().decode(), r.headers.get("Location")
        except urllib.error.HTTPError as e:
            status, body, location = e.code, e.read().decode(errors="replace"), None
        except OSError as e:
            log("POST failed:", e)
            GLib.idle_add(self.finish, 1)
            return
        self.location = urllib.parse.urljoin(self.url, location) if location else None
        emit({"type": "http", "status": status, "location": location})
        if status != 201:
            log("POST gave", status, body[:300])
            GLib.idle_add(self.finish, 1)
            return
        GLib.idle_add(self.apply_answer, body)

    def apply_answer(self, text):
        ok, msg = GstSdp.SDPMessage.new_from_text(text)
        if ok != GstSdp.SDPResult.OK:
            log("unparsable answer")
            self.finish(1)
            return False
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.webrtc.emit("set-remote-description", answer, Gst.Promise.new())
        return False

    def on_state(self, element, _):
        ice = element.get_property("ice-connection-state").value_nick
        conn = element.get_property("connection-state").value_nick
        emit({"type": "state", "ice": ice, "connection": conn})
        if conn == "connected" and self.seconds:
            GLib.timeout_add(int(self.seconds * 1000), self.finish, 0)
        if conn == "failed":
            GLib.idle_add(self.finish, 1)

    def delete(self):
        if not self.location:
            return
        try:
            with urllib.request.urlopen(urllib.request.Request(self.location, method="DELETE"),
                                        timeout=self.timeout) as r:
                log("DELETE", r.status)
        except (urllib.error.HTTPError, OSError) as e:
            log("DELETE failed:", e)

    def finish(self, status=0):
        if self.loop.is_running():
            self.status = status
            self.loop.quit()
        return False

    def run(self):
        self.pipe.set_state(Gst.State.PLAYING)
        GLib.timeout_add(int(self.timeout * 1000), self.finish, 1)
        threading.Thread(target=lambda: (sys.stdin.read(), GLib.idle_add(self.finish, 0)), daemon=True).start()
        self.loop.run()
        self.delete()
        self.pipe.set_state(Gst.State.NULL)
        return self.status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long connected")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    Gst.init(None)
    sys.exit(Publisher(args.url, args.timeout, args.seconds).run())


if __name__ == "__main__":
    main()
